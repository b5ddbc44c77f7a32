import CSnappy
import CZlib
import CZstd

/// Decompresses a page's bytes to exactly the size its header states (bounded by the
/// caller), with the system's snappy, zlib and zstd.
enum ParquetCodec {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func decompress(_ input: ArraySlice<UInt8>, codec: Int32, size: Int) throws -> [UInt8] {
        guard let known = Parquet.Codec(rawValue: codec) else { throw Failure(description: "unknown codec \(codec)") }
        switch known {
        case .uncompressed:
            guard input.count == size else {
                throw Failure(description: "an uncompressed page of \(input.count) bytes, its header says \(size)")
            }
            return Array(input)
        case .snappy: return try snappy(input, size: size)
        case .gzip: return try gzip(input, size: size)
        case .zstd: return try zstd(input, size: size)
        case .lzo, .brotli, .lz4, .lz4Raw:
            throw Failure(
                description: "codec \(known) is not supported (snappy, gzip, zstd and uncompressed are); "
                    + "rewrite the file with one of those")
        }
    }

    private static func snappy(_ input: ArraySlice<UInt8>, size: Int) throws -> [UInt8] {
        try input.withUnsafeBytes { source in
            let base = source.baseAddress?.assumingMemoryBound(to: CChar.self)
            var length = 0
            guard snappy_uncompressed_length(base, source.count, &length) == SNAPPY_OK, length == size else {
                throw Failure(description: "snappy data does not decompress to the \(size) bytes its header states")
            }
            var output = [UInt8](repeating: 0, count: size)
            let status = output.withUnsafeMutableBytes { target in
                snappy_uncompress(base, source.count, target.baseAddress?.assumingMemoryBound(to: CChar.self), &length)
            }
            guard status == SNAPPY_OK, length == size else { throw Failure(description: "snappy data is corrupt") }
            return output
        }
    }

    private static func zstd(_ input: ArraySlice<UInt8>, size: Int) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: size)
        let written = input.withUnsafeBytes { source in
            output.withUnsafeMutableBytes { target in
                ZSTD_decompress(target.baseAddress, size, source.baseAddress, source.count)
            }
        }
        guard ZSTD_isError(written) == 0 else {
            throw Failure(description: "zstd data is corrupt: \(String(cString: ZSTD_getErrorName(written)))")
        }
        guard written == size else {
            throw Failure(description: "zstd data decompresses to \(written) bytes, its header says \(size)")
        }
        return output
    }

    /// Gzip or zlib streams (windowBits 15 + 32 detects which), members one after another.
    private static func gzip(_ input: ArraySlice<UInt8>, size: Int) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: size)
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure(description: "zlib cannot start")
        }
        defer { inflateEnd(&stream) }
        var produced = 0
        try input.withUnsafeBytes { source in
            try output.withUnsafeMutableBytes { target in
                stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress?.assumingMemoryBound(to: Bytef.self))
                stream.avail_in = uInt(source.count)
                stream.next_out = target.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(size)
                while true {
                    let status = inflate(&stream, Z_NO_FLUSH)
                    produced = size - Int(stream.avail_out)
                    if status == Z_STREAM_END {
                        // Another member may follow.
                        if stream.avail_in == 0 || produced == size { return }
                        guard inflateReset(&stream) == Z_OK else { throw Failure(description: "gzip data is corrupt") }
                        continue
                    }
                    guard status == Z_OK else {
                        throw Failure(description: "gzip data is corrupt (zlib status \(status))")
                    }
                    if stream.avail_out == 0 || stream.avail_in == 0 {
                        throw Failure(
                            description: "gzip data does not decompress to the \(size) bytes its header states")
                    }
                }
            }
        }
        guard produced == size else {
            throw Failure(description: "gzip data decompresses to \(produced) bytes, its header says \(size)")
        }
        return output
    }
}
