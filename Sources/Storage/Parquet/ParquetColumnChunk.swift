/// One column of one row group, decoded a page at a time: headers, decompression,
/// definition levels, dictionary or PLAIN or DELTA or BYTE_STREAM_SPLIT values. Each page
/// is checked on its own: pyarrow switches a chunk from dictionary to PLAIN mid-way when the
/// dictionary grows too large.
struct ParquetColumnChunk {
    /// A data page: which of its rows are present, and their values in order.
    struct Page {
        /// nil: every row present (a required column, or an optional one with no nulls).
        var present: [Bool]?
        var values: ParquetValues
        var rows: Int
    }

    let column: ParquetColumn
    let codec: Int32
    /// The chunk's bytes, from its first page to its end.
    let bytes: [UInt8]
    private var position = 0
    private var dictionary: ParquetValues?
    /// Rows the chunk holds (the metadata's value count: flat columns have one per row).
    private let rowsTotal: Int64
    private var rowsRead: Int64 = 0
    /// Pages read so far, counting dictionary pages: the number in error messages.
    private(set) var pageNumber = 0

    init(column: ParquetColumn, codec: Int32, bytes: [UInt8], rows: Int64) {
        self.column = column
        self.codec = codec
        self.bytes = bytes
        rowsTotal = rows
    }

    private struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The next data page, or nil once every row of the chunk is read.
    mutating func nextPage() throws -> Page? {
        while rowsRead < rowsTotal {
            guard position < bytes.count else {
                throw Failure(description: "the chunk ends after \(rowsRead) of its \(rowsTotal) values")
            }
            var reader = ThriftCompactReader(bytes, from: position)
            let header: Parquet.PageHeader
            do {
                header = try reader.pageHeader()
            } catch let error as ThriftCompactReader.Malformed {
                throw Failure(description: "page header is malformed: \(error)")
            }
            pageNumber += 1
            let start = reader.position
            let compressed = Int(header.compressedSize)
            let uncompressed = Int(header.uncompressedSize)
            guard compressed >= 0, compressed <= bytes.count - start else {
                throw Failure(description: "a page of \(header.compressedSize) bytes runs past the column chunk")
            }
            guard uncompressed >= 0, uncompressed <= Self.maximumPageBytes else {
                throw Failure(description: "a page claims \(header.uncompressedSize) bytes uncompressed")
            }
            position = start + compressed
            let body = bytes[start..<(start + compressed)]
            switch Parquet.PageType(rawValue: header.type) {
            case .dictionaryPage?:
                guard let info = header.dictionaryPage else {
                    throw Failure(description: "a dictionary page without its header")
                }
                let data = try ParquetCodec.decompress(body, codec: codec, size: uncompressed)
                let count = try checkedCount(info.valueCount)
                guard
                    info.encoding == Parquet.Encoding.plain.rawValue
                        || info.encoding == Parquet.Encoding.plainDictionary.rawValue
                else { throw Failure(description: "a dictionary page in encoding \(info.encoding)") }
                dictionary = try plain(data[...], count: count)
            case .dataPage?:
                guard let info = header.dataPage else { throw Failure(description: "a data page without its header") }
                let data = try ParquetCodec.decompress(body, codec: codec, size: uncompressed)
                let rows = try checkedCount(info.valueCount)
                var rest = data[...]
                var present: [Bool]?
                if column.maxDefinitionLevel > 0 {
                    guard info.definitionLevelEncoding == Parquet.Encoding.rle.rawValue else {
                        throw Failure(description: "definition levels in encoding \(info.definitionLevelEncoding)")
                    }
                    let length = try lengthPrefix(rest)
                    present = try levels(rest.dropFirst(4).prefix(length), rows: rows)
                    rest = rest.dropFirst(4 + length)
                }
                return try page(rows: rows, present: present, encoding: info.encoding, values: rest)
            case .dataPageV2?:
                guard let info = header.dataPageV2 else { throw Failure(description: "a data page without its header") }
                let rows = try checkedCount(info.valueCount)
                let repetition = Int(info.repetitionLevelsLength)
                let definition = Int(info.definitionLevelsLength)
                guard repetition >= 0, definition >= 0, repetition + definition <= compressed,
                    repetition + definition <= uncompressed
                else { throw Failure(description: "the page's level lengths run past the page") }
                let levelBytes = body.prefix(repetition + definition)
                var present: [Bool]?
                if column.maxDefinitionLevel > 0 {
                    present = try levels(levelBytes.dropFirst(repetition), rows: rows)
                }
                let valueBytes = body.dropFirst(repetition + definition)
                let values =
                    info.isCompressed
                    ? try ParquetCodec.decompress(
                        valueBytes, codec: codec, size: uncompressed - repetition - definition)
                    : Array(valueBytes)
                return try page(rows: rows, present: present, encoding: info.encoding, values: values[...])
            case .indexPage?, nil:
                continue  // index pages (and types from the future) carry no rows
            }
        }
        return nil
    }

    /// No page is larger than this uncompressed (pages are usually 1 MB).
    static let maximumPageBytes = 1 << 30

    private mutating func page(rows: Int, present: [Bool]?, encoding: Int32, values bytes: ArraySlice<UInt8>) throws
        -> Page
    {
        guard Int64(rows) <= rowsTotal - rowsRead else {
            throw Failure(description: "the pages hold more values than the chunk's \(rowsTotal)")
        }
        rowsRead += Int64(rows)
        let count = present.map { $0.lazy.filter { $0 }.count } ?? rows
        let values: ParquetValues
        switch Parquet.Encoding(rawValue: encoding) {
        case .plain?:
            values = try plain(bytes, count: count)
        case .plainDictionary?, .rleDictionary?:
            guard let dictionary else {
                throw Failure(description: "dictionary-encoded values without a dictionary page")
            }
            guard let width = bytes.first else {
                if count == 0 { return Page(present: present, values: dictionary.gather([]), rows: rows) }
                throw Failure(description: "dictionary indices are missing")
            }
            let indices = try ParquetEncodings.rleHybrid(bytes.dropFirst(), bitWidth: Int(width), count: count)
            let size = dictionary.count
            if let bad = indices.first(where: { Int($0) >= size }) {
                throw Failure(
                    description: "dictionary index \(bad) is out of range (the dictionary has \(size) values)")
            }
            values = dictionary.gather(indices)
        case .rle? where column.physical == .boolean:
            let length = try lengthPrefix(bytes)
            let bits = try ParquetEncodings.rleHybrid(bytes.dropFirst(4).prefix(length), bitWidth: 1, count: count)
            values = .boolean(bits.map { $0 == 1 })
        case .deltaBinaryPacked? where column.physical == .int32 || column.physical == .int64:
            let decoded = try ParquetEncodings.deltaBinaryPacked(bytes, count: count).values
            if column.physical == .int32 {
                values = .int32(decoded.map { Int32(truncatingIfNeeded: $0) })
            } else {
                values = .int64(decoded)
            }
        case .deltaLengthByteArray? where column.physical == .byteArray:
            values = .bytes(try ParquetEncodings.deltaLengthByteArrays(bytes, count: count).0)
        case .deltaByteArray? where column.physical == .byteArray || column.physical == .fixedLenByteArray:
            values = .bytes(try ParquetEncodings.deltaByteArrays(bytes, count: count))
        case .byteStreamSplit?:
            let width = try byteWidth()
            let joined = try ParquetEncodings.byteStreamSplit(bytes, width: width, count: count)
            values = try plain(joined[...], count: count)
        default:
            throw Failure(description: "encoding \(encoding) is not supported for \(column.physical)")
        }
        guard values.count == count else {
            throw Failure(description: "the page has \(values.count) values for \(count) present rows")
        }
        return Page(present: present, values: values, rows: rows)
    }

    private func byteWidth() throws -> Int {
        switch column.physical {
        case .int32, .float: return 4
        case .int64, .double: return 8
        case .fixedLenByteArray: return column.typeLength
        default: throw Failure(description: "BYTE_STREAM_SPLIT is not defined for \(column.physical)")
        }
    }

    private func checkedCount(_ count: Int32) throws -> Int {
        guard count >= 0, Int(count) <= ParquetEncodings.maximumPageValues else {
            throw Failure(description: "a page claims \(count) values")
        }
        return Int(count)
    }

    private func lengthPrefix(_ bytes: ArraySlice<UInt8>) throws -> Int {
        guard bytes.count >= 4 else { throw Failure(description: "a length prefix is cut short") }
        let b = bytes.startIndex
        let length = Int(bytes[b]) | Int(bytes[b + 1]) << 8 | Int(bytes[b + 2]) << 16 | Int(bytes[b + 3]) << 24
        guard length <= bytes.count - 4 else { throw Failure(description: "encoded levels run past the page") }
        return length
    }

    /// Definition levels of a flat optional column: 1 present, 0 null; nil when all present.
    private func levels(_ bytes: ArraySlice<UInt8>, rows: Int) throws -> [Bool]? {
        let decoded = try ParquetEncodings.rleHybrid(bytes, bitWidth: 1, count: rows)
        if decoded.allSatisfy({ $0 == 1 }) { return nil }
        return decoded.map { $0 == 1 }
    }

    /// PLAIN values of the column's physical type.
    private func plain(_ bytes: ArraySlice<UInt8>, count: Int) throws -> ParquetValues {
        func fixed(_ width: Int) throws {
            guard bytes.count >= width * count else {
                throw Failure(description: "\(count) values of \(width) bytes do not fit in \(bytes.count) bytes")
            }
        }
        let b = bytes.startIndex
        func load<T: FixedWidthInteger>(_ type: T.Type, _ i: Int) -> T {
            var v: T = 0
            for k in 0..<MemoryLayout<T>.size {
                v |= T(truncatingIfNeeded: bytes[b + i * MemoryLayout<T>.size + k]) << (8 * k)
            }
            return v
        }
        switch column.physical {
        case .boolean:
            guard bytes.count * 8 >= count else { throw Failure(description: "booleans are cut short") }
            return .boolean((0..<count).map { bytes[b + $0 / 8] >> UInt8($0 % 8) & 1 == 1 })
        case .int32:
            try fixed(4)
            return .int32((0..<count).map { Int32(bitPattern: load(UInt32.self, $0)) })
        case .int64:
            try fixed(8)
            return .int64((0..<count).map { Int64(bitPattern: load(UInt64.self, $0)) })
        case .float:
            try fixed(4)
            return .float((0..<count).map { Float(bitPattern: load(UInt32.self, $0)) })
        case .double:
            try fixed(8)
            return .double((0..<count).map { Double(bitPattern: load(UInt64.self, $0)) })
        case .int96:
            try fixed(12)
            return .int96(
                (0..<count).map { i in
                    var nanos: UInt64 = 0
                    for k in 0..<8 { nanos |= UInt64(bytes[b + i * 12 + k]) << (8 * UInt64(k)) }
                    var day: UInt32 = 0
                    for k in 0..<4 { day |= UInt32(bytes[b + i * 12 + 8 + k]) << (8 * UInt32(k)) }
                    return (Int64(bitPattern: nanos), Int32(bitPattern: day))
                })
        case .byteArray:
            return .bytes(try ParquetEncodings.plainByteArrays(bytes, count: count))
        case .fixedLenByteArray:
            let width = column.typeLength
            guard width > 0 else { throw Failure(description: "a fixed-length column of width \(width)") }
            try fixed(width)
            var out = ParquetEncodings.ByteArrays()
            for i in 0..<count { out.append(bytes[(b + i * width)..<(b + (i + 1) * width)]) }
            return .bytes(out)
        }
    }
}
