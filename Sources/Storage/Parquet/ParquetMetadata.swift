/// The parts of Parquet's footer and page headers the loader reads (field ids from
/// `parquet.thrift`; everything else is skipped).
enum Parquet {
    enum PhysicalType: Int32 {
        case boolean = 0, int32 = 1, int64 = 2, int96 = 3, float = 4, double = 5, byteArray = 6, fixedLenByteArray = 7
    }

    enum Codec: Int32 {
        case uncompressed = 0, snappy = 1, gzip = 2, lzo = 3, brotli = 4, lz4 = 5, zstd = 6, lz4Raw = 7
    }

    enum Encoding: Int32 {
        case plain = 0, plainDictionary = 2, rle = 3, bitPacked = 4, deltaBinaryPacked = 5, deltaLengthByteArray = 6
        case deltaByteArray = 7, rleDictionary = 8, byteStreamSplit = 9, alp = 10
    }

    enum PageType: Int32 {
        case dataPage = 0, indexPage = 1, dictionaryPage = 2, dataPageV2 = 3
    }

    enum TimeUnit { case millis, micros, nanos }

    /// A column's meaning beyond its physical type (LogicalType, or the older ConvertedType).
    enum Annotation: Equatable {
        case string, date, json, enumeration, uuid, float16
        case decimal(scale: Int32, precision: Int32)
        case timestamp(TimeUnit, adjustedToUTC: Bool)
        case time
        case integer(bitWidth: Int8, signed: Bool)
        /// Nested or otherwise unsupported (LIST, MAP, BSON, ...).
        case other(String)
    }

    struct SchemaElement {
        var type: PhysicalType?
        var typeLength: Int32?
        /// 0 required, 1 optional, 2 repeated.
        var repetition: Int32?
        var name = ""
        var childCount: Int32?
        var convertedType: Int32?
        var scale: Int32?
        var precision: Int32?
        var logical: Annotation?

        /// The logical type, or what the converted type says.
        var annotation: Annotation? {
            if let logical { return logical }
            switch convertedType {
            case 0?: return .string
            case 4?: return .enumeration
            case 5?: return .decimal(scale: scale ?? 0, precision: precision ?? 0)
            case 6?: return .date
            case 7?, 8?: return .time
            case 9?: return .timestamp(.millis, adjustedToUTC: true)
            case 10?: return .timestamp(.micros, adjustedToUTC: true)
            case 11?: return .integer(bitWidth: 8, signed: false)
            case 12?: return .integer(bitWidth: 16, signed: false)
            case 13?: return .integer(bitWidth: 32, signed: false)
            case 14?: return .integer(bitWidth: 64, signed: false)
            case 15?, 16?, 17?, 18?: return nil
            case 19?: return .json
            case 1?, 2?: return .other("MAP")
            case 3?: return .other("LIST")
            case let other?: return .other("converted type \(other)")
            case nil: return nil
            }
        }
    }

    struct ColumnMetaData {
        var type: PhysicalType?
        var path: [String] = []
        var codec: Int32 = 0
        var valueCount: Int64 = 0
        var totalCompressedSize: Int64 = 0
        var dataPageOffset: Int64 = 0
        var dictionaryPageOffset: Int64?
    }

    struct RowGroup {
        var columns: [ColumnMetaData?] = []
        var rowCount: Int64 = 0
    }

    struct FileMetaData {
        var schema: [SchemaElement] = []
        var rowCount: Int64 = 0
        var rowGroups: [RowGroup] = []
        var keyValues: [(String, String?)] = []
        var createdBy: String?
    }

    struct DataPageHeader {
        var valueCount: Int32 = 0
        var encoding: Int32 = 0
        var definitionLevelEncoding: Int32 = 3
    }

    struct DataPageHeaderV2 {
        var valueCount: Int32 = 0
        var nullCount: Int32 = 0
        var rowCount: Int32 = 0
        var encoding: Int32 = 0
        var definitionLevelsLength: Int32 = 0
        var repetitionLevelsLength: Int32 = 0
        var isCompressed = true
    }

    struct DictionaryPageHeader {
        var valueCount: Int32 = 0
        var encoding: Int32 = 0
    }

    struct PageHeader {
        var type: Int32 = -1
        var uncompressedSize: Int32 = 0
        var compressedSize: Int32 = 0
        var dataPage: DataPageHeader?
        var dictionaryPage: DictionaryPageHeader?
        var dataPageV2: DataPageHeaderV2?
    }
}

extension ThriftCompactReader {
    mutating func fileMetaData() throws -> Parquet.FileMetaData {
        var meta = Parquet.FileMetaData()
        try readStruct { r, id, type in
            switch (id, type) {
            case (2, .list): meta.schema = try r.list { try $0.schemaElement() }
            case (3, .i64): meta.rowCount = try r.i64()
            case (4, .list): meta.rowGroups = try r.list { try $0.rowGroup() }
            case (5, .list): meta.keyValues = try r.list { try $0.keyValue() }
            case (6, .binary): meta.createdBy = try r.string()
            default: return false
            }
            return true
        }
        return meta
    }

    private mutating func keyValue() throws -> (String, String?) {
        var key = ""
        var value: String?
        try readStruct { r, id, type in
            switch (id, type) {
            case (1, .binary): key = try r.string()
            case (2, .binary): value = try r.string()
            default: return false
            }
            return true
        }
        return (key, value)
    }

    private mutating func schemaElement() throws -> Parquet.SchemaElement {
        var element = Parquet.SchemaElement()
        try readStruct { r, id, type in
            switch (id, type) {
            case (1, .i32): element.type = Parquet.PhysicalType(rawValue: try r.i32())
            case (2, .i32): element.typeLength = try r.i32()
            case (3, .i32): element.repetition = try r.i32()
            case (4, .binary): element.name = try r.string()
            case (5, .i32): element.childCount = try r.i32()
            case (6, .i32): element.convertedType = try r.i32()
            case (7, .i32): element.scale = try r.i32()
            case (8, .i32): element.precision = try r.i32()
            case (10, .structure): element.logical = try r.logicalType()
            default: return false
            }
            return true
        }
        return element
    }

    /// The LogicalType union: one field set, whose id says the type.
    private mutating func logicalType() throws -> Parquet.Annotation? {
        var annotation: Parquet.Annotation?
        try readStruct { r, id, type in
            guard type == .structure else { return false }
            switch id {
            case 1: annotation = .string
            case 4: annotation = .enumeration
            case 5:
                var scale: Int32 = 0
                var precision: Int32 = 0
                try r.readStruct { r, id, type in
                    switch (id, type) {
                    case (1, .i32): scale = try r.i32()
                    case (2, .i32): precision = try r.i32()
                    default: return false
                    }
                    return true
                }
                annotation = .decimal(scale: scale, precision: precision)
                return true
            case 6: annotation = .date
            case 7: annotation = .time
            case 8:
                var utc = true
                var unit = Parquet.TimeUnit.micros
                try r.readStruct { r, id, type in
                    switch (id, type) {
                    case (1, .boolTrue), (1, .boolFalse): utc = r.bool(type)
                    case (2, .structure):
                        try r.readStruct { r, id, type in
                            guard type == .structure else { return false }
                            unit = id == 1 ? .millis : id == 3 ? .nanos : .micros
                            try r.skip(type, depth: 1)
                            return true
                        }
                    default: return false
                    }
                    return true
                }
                annotation = .timestamp(unit, adjustedToUTC: utc)
                return true
            case 10:
                var width: Int8 = 64
                var signed = true
                try r.readStruct { r, id, type in
                    switch (id, type) {
                    case (1, .byte): width = Int8(bitPattern: try r.byte())
                    case (2, .boolTrue), (2, .boolFalse): signed = r.bool(type)
                    default: return false
                    }
                    return true
                }
                annotation = .integer(bitWidth: width, signed: signed)
                return true
            case 12: annotation = .json
            case 14: annotation = .uuid
            case 15: annotation = .float16
            case 2: annotation = .other("MAP")
            case 3: annotation = .other("LIST")
            case 11: annotation = nil
            default: annotation = .other("logical type \(id)")
            }
            try r.skip(type, depth: 1)
            return true
        }
        return annotation
    }

    private mutating func rowGroup() throws -> Parquet.RowGroup {
        var group = Parquet.RowGroup()
        try readStruct { r, id, type in
            switch (id, type) {
            case (1, .list): group.columns = try r.list { try $0.columnChunk() }
            case (3, .i64): group.rowCount = try r.i64()
            default: return false
            }
            return true
        }
        return group
    }

    private mutating func columnChunk() throws -> Parquet.ColumnMetaData? {
        var meta: Parquet.ColumnMetaData?
        try readStruct { r, id, type in
            guard id == 3, type == .structure else { return false }
            var column = Parquet.ColumnMetaData()
            try r.readStruct { r, id, type in
                switch (id, type) {
                case (1, .i32): column.type = Parquet.PhysicalType(rawValue: try r.i32())
                case (3, .list):
                    let (_, count) = try r.listHeader()
                    for _ in 0..<count { column.path.append(try r.string()) }
                case (4, .i32): column.codec = try r.i32()
                case (5, .i64): column.valueCount = try r.i64()
                case (7, .i64): column.totalCompressedSize = try r.i64()
                case (9, .i64): column.dataPageOffset = try r.i64()
                case (11, .i64): column.dictionaryPageOffset = try r.i64()
                default: return false
                }
                return true
            }
            meta = column
            return true
        }
        return meta
    }

    mutating func pageHeader() throws -> Parquet.PageHeader {
        var header = Parquet.PageHeader()
        try readStruct { r, id, type in
            switch (id, type) {
            case (1, .i32): header.type = try r.i32()
            case (2, .i32): header.uncompressedSize = try r.i32()
            case (3, .i32): header.compressedSize = try r.i32()
            case (5, .structure):
                var page = Parquet.DataPageHeader()
                try r.readStruct { r, id, type in
                    switch (id, type) {
                    case (1, .i32): page.valueCount = try r.i32()
                    case (2, .i32): page.encoding = try r.i32()
                    case (3, .i32): page.definitionLevelEncoding = try r.i32()
                    default: return false
                    }
                    return true
                }
                header.dataPage = page
            case (7, .structure):
                var page = Parquet.DictionaryPageHeader()
                try r.readStruct { r, id, type in
                    switch (id, type) {
                    case (1, .i32): page.valueCount = try r.i32()
                    case (2, .i32): page.encoding = try r.i32()
                    default: return false
                    }
                    return true
                }
                header.dictionaryPage = page
            case (8, .structure):
                var page = Parquet.DataPageHeaderV2()
                try r.readStruct { r, id, type in
                    switch (id, type) {
                    case (1, .i32): page.valueCount = try r.i32()
                    case (2, .i32): page.nullCount = try r.i32()
                    case (3, .i32): page.rowCount = try r.i32()
                    case (4, .i32): page.encoding = try r.i32()
                    case (5, .i32): page.definitionLevelsLength = try r.i32()
                    case (6, .i32): page.repetitionLevelsLength = try r.i32()
                    case (7, .boolTrue), (7, .boolFalse): page.isCompressed = r.bool(type)
                    default: return false
                    }
                    return true
                }
                header.dataPageV2 = page
            default: return false
            }
            return true
        }
        return header
    }
}
