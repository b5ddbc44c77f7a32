/// Parquet's value encodings (`Encodings.md`), each a function over a byte slice that checks
/// every length against what is left before it allocates or reads.
enum ParquetEncodings {
    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    /// The most values one page may hold (pyarrow writes at most 1Mi rows per row group;
    /// Spark's 1 MB pages of one-bit values hold 8Mi): an allocation bound, whatever a
    /// header claims.
    static let maximumPageValues = 1 << 23

    /// The RLE / bit-packed hybrid: definition levels and dictionary indices. Reads exactly
    /// `count` values of `bitWidth` bits.
    static func rleHybrid(_ bytes: ArraySlice<UInt8>, bitWidth: Int, count: Int) throws -> [UInt32] {
        guard (0...32).contains(bitWidth) else { throw Malformed(description: "bit width \(bitWidth) is over 32") }
        var values: [UInt32] = []
        values.reserveCapacity(count)
        if bitWidth == 0 { return [UInt32](repeating: 0, count: count) }
        var i = bytes.startIndex
        let byteWidth = (bitWidth + 7) / 8
        while values.count < count {
            let header = try uleb128(bytes, &i)
            if header & 1 == 0 {
                // A run: one value repeated.
                let run = Int(clamping: header >> 1)
                guard i + byteWidth <= bytes.endIndex else { throw Malformed(description: "an RLE run is cut short") }
                var value: UInt32 = 0
                for b in 0..<byteWidth { value |= UInt32(bytes[i + b]) << (8 * UInt32(b)) }
                i += byteWidth
                let take = min(run, count - values.count)
                guard take > 0 else { throw Malformed(description: "an empty RLE run") }
                values.append(contentsOf: repeatElement(value, count: take))
            } else {
                // Groups of eight bit-packed values, least significant bit first.
                let groups = Int(clamping: header >> 1)
                guard groups > 0, groups <= (bytes.endIndex - i) / max(1, bitWidth) + 1 else {
                    throw Malformed(description: "a bit-packed run is cut short")
                }
                let length = groups * bitWidth
                guard i + length <= bytes.endIndex else {
                    throw Malformed(description: "a bit-packed run is cut short")
                }
                let take = min(groups * 8, count - values.count)
                unpack(bytes[i..<(i + length)], bitWidth: bitWidth, count: take, into: &values)
                i += length
            }
        }
        return values
    }

    /// `count` values of `bitWidth` bits, least significant bit first.
    static func unpack(_ bytes: ArraySlice<UInt8>, bitWidth: Int, count: Int, into values: inout [UInt32]) {
        var buffer: UInt64 = 0
        var bits = 0
        var i = bytes.startIndex
        let mask = bitWidth == 32 ? UInt64(UInt32.max) : (UInt64(1) << UInt64(bitWidth)) - 1
        for _ in 0..<count {
            while bits < bitWidth {
                buffer |= UInt64(i < bytes.endIndex ? bytes[i] : 0) << UInt64(bits)
                i += 1
                bits += 8
            }
            values.append(UInt32(buffer & mask))
            buffer >>= UInt64(bitWidth)
            bits -= bitWidth
        }
    }

    static func uleb128(_ bytes: ArraySlice<UInt8>, _ i: inout Int) throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard i < bytes.endIndex else { throw Malformed(description: "a varint is cut short") }
            let b = bytes[i]
            i += 1
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
            guard shift < 64 else { throw Malformed(description: "a varint is longer than 10 bytes") }
        }
    }

    /// DELTA_BINARY_PACKED (INT32 and INT64): blocks of miniblocks of bit-packed deltas.
    /// Returns the values and where the encoding ended (DELTA_LENGTH_BYTE_ARRAY continues
    /// after it).
    static func deltaBinaryPacked(_ bytes: ArraySlice<UInt8>, count expected: Int? = nil) throws -> (
        values: [Int64], end: Int
    ) {
        var i = bytes.startIndex
        let blockSize = Int(clamping: try uleb128(bytes, &i))
        let miniblocks = Int(clamping: try uleb128(bytes, &i))
        let total = Int(clamping: try uleb128(bytes, &i))
        let zig = try uleb128(bytes, &i)
        var last = Int64(bitPattern: (zig >> 1) ^ (0 &- (zig & 1)))
        guard blockSize > 0, blockSize <= 1 << 20, blockSize % 128 == 0, miniblocks > 0, blockSize % miniblocks == 0,
            (blockSize / miniblocks) % 32 == 0
        else {
            throw Malformed(
                description: "a DELTA_BINARY_PACKED header is invalid (block \(blockSize), \(miniblocks) miniblocks)")
        }
        if let expected, total != expected {
            throw Malformed(description: "DELTA_BINARY_PACKED holds \(total) values, the page \(expected)")
        }
        // A block of zero-width deltas takes a few bytes for `blockSize` values: no more than
        // that many per byte, and never more than a page may hold.
        guard total <= max(1, bytes.count) * blockSize, total <= ParquetEncodings.maximumPageValues else {
            throw Malformed(description: "DELTA_BINARY_PACKED claims \(total) values in \(bytes.count) bytes")
        }
        var values: [Int64] = []
        values.reserveCapacity(total)
        if total > 0 { values.append(last) }
        let perMiniblock = blockSize / miniblocks
        var scratch: [UInt32] = []
        while values.count < total {
            let minZig = try uleb128(bytes, &i)
            let minDelta = Int64(bitPattern: (minZig >> 1) ^ (0 &- (minZig & 1)))
            guard i + miniblocks <= bytes.endIndex else { throw Malformed(description: "a delta block is cut short") }
            let widths = Array(bytes[i..<(i + miniblocks)])
            i += miniblocks
            for width in widths {
                guard values.count < total else { break }
                guard width <= 64 else { throw Malformed(description: "a delta bit width of \(width)") }
                let length = perMiniblock * Int(width) / 8
                guard i + length <= bytes.endIndex else {
                    throw Malformed(description: "a delta miniblock is cut short")
                }
                let take = min(perMiniblock, total - values.count)
                if width <= 32 {
                    scratch.removeAll(keepingCapacity: true)
                    unpack(bytes[i..<(i + length)], bitWidth: Int(width), count: take, into: &scratch)
                    for delta in scratch {
                        last = last &+ minDelta &+ Int64(delta)
                        values.append(last)
                    }
                } else {
                    for d in unpack64(bytes[i..<(i + length)], bitWidth: Int(width), count: take) {
                        last = last &+ minDelta &+ Int64(bitPattern: d)
                        values.append(last)
                    }
                }
                i += length
            }
        }
        return (values, i)
    }

    private static func unpack64(_ bytes: ArraySlice<UInt8>, bitWidth: Int, count: Int) -> [UInt64] {
        var out: [UInt64] = []
        out.reserveCapacity(count)
        var bitPosition = 0
        for _ in 0..<count {
            var value: UInt64 = 0
            for bit in 0..<bitWidth {
                let at = bitPosition + bit
                let byte = bytes.startIndex + at / 8
                if byte < bytes.endIndex, bytes[byte] >> UInt8(at % 8) & 1 == 1 { value |= UInt64(1) << UInt64(bit) }
            }
            out.append(value)
            bitPosition += bitWidth
        }
        return out
    }

    /// Byte arrays as (offset, length) into a buffer, so a page's strings are not copied
    /// one by one before they are needed.
    struct ByteArrays {
        var data: [UInt8] = []
        var offsets: [Int] = [0]

        var count: Int { offsets.count - 1 }

        mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
            data.append(contentsOf: bytes)
            offsets.append(data.count)
        }

        subscript(i: Int) -> ArraySlice<UInt8> { data[offsets[i]..<offsets[i + 1]] }
    }

    /// PLAIN BYTE_ARRAY: a 4-byte little-endian length before each value.
    static func plainByteArrays(_ bytes: ArraySlice<UInt8>, count: Int) throws -> ByteArrays {
        var out = ByteArrays()
        out.offsets.reserveCapacity(count + 1)
        var i = bytes.startIndex
        for _ in 0..<count {
            guard i + 4 <= bytes.endIndex else { throw Malformed(description: "a string's length is cut short") }
            let length = Int(bytes[i]) | Int(bytes[i + 1]) << 8 | Int(bytes[i + 2]) << 16 | Int(bytes[i + 3]) << 24
            i += 4
            guard length <= bytes.endIndex - i else { throw Malformed(description: "a string runs past its page") }
            out.append(bytes[i..<(i + length)])
            i += length
        }
        return out
    }

    /// DELTA_LENGTH_BYTE_ARRAY: the lengths delta-packed, then the bytes one after another.
    static func deltaLengthByteArrays(_ bytes: ArraySlice<UInt8>, count: Int) throws -> (ByteArrays, end: Int) {
        let (lengths, start) = try deltaBinaryPacked(bytes, count: count)
        var out = ByteArrays()
        var i = start
        for length in lengths {
            guard length >= 0, length <= bytes.endIndex - i else {
                throw Malformed(description: "a string runs past its page")
            }
            out.append(bytes[i..<(i + Int(length))])
            i += Int(length)
        }
        return (out, i)
    }

    /// DELTA_BYTE_ARRAY: each value is a prefix of the one before plus a suffix.
    static func deltaByteArrays(_ bytes: ArraySlice<UInt8>, count: Int) throws -> ByteArrays {
        let (prefixes, start) = try deltaBinaryPacked(bytes, count: count)
        let (suffixes, _) = try deltaLengthByteArrays(bytes[start...], count: count)
        var out = ByteArrays()
        var previous: [UInt8] = []
        for i in 0..<count {
            let prefix = prefixes[i]
            guard prefix >= 0, prefix <= previous.count else {
                throw Malformed(description: "a prefix of \(prefix) bytes is longer than the value before")
            }
            var value = Array(previous[0..<Int(prefix)])
            value.append(contentsOf: suffixes[i])
            out.append(value)
            previous = value
        }
        return out
    }

    /// BYTE_STREAM_SPLIT: byte k of every value, then byte k+1 of every value ...
    static func byteStreamSplit(_ bytes: ArraySlice<UInt8>, width: Int, count: Int) throws -> [UInt8] {
        guard bytes.count >= width * count else { throw Malformed(description: "BYTE_STREAM_SPLIT data is cut short") }
        var out = [UInt8](repeating: 0, count: width * count)
        let base = bytes.startIndex
        for k in 0..<width {
            for v in 0..<count { out[v * width + k] = bytes[base + k * count + v] }
        }
        return out
    }
}
