import Foundation

/// Rows for a bulk insert, column by column: what a format reader hands the table writer,
/// and what each driver's `BulkInsertSink` turns into its own wire form (COPY text for
/// Postgres, typed binds for SQLite) without a `SQLValue` per cell.
public struct ColumnBatch {
    /// Variable-length values one after another, each followed by a 0 byte (C parsers stop
    /// there) that is not part of it.
    public struct Bytes {
        public private(set) var data: [UInt8] = []
        public private(set) var ends: [Int] = []
        /// A column of a row-major buffer: value i is entry `first + i * stride`.
        private var first = 0
        private var stride = 1

        public init() {}

        public var count: Int { (ends.count - first + stride - 1) / stride }

        public mutating func append(_ bytes: UnsafeRawBufferPointer) {
            // As typed memory: a raw buffer is appended byte by byte.
            if let base = bytes.baseAddress {
                data.append(
                    contentsOf: UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: bytes.count)
                )
            }
            ends.append(data.count)
            data.append(0)
        }

        public mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
            data.append(contentsOf: bytes)
            ends.append(data.count)
            data.append(0)
        }

        public mutating func removeAll() {
            data.removeAll(keepingCapacity: true)
            ends.removeAll(keepingCapacity: true)
        }

        /// Column `c` of values appended row by row, `width` to a row (shares the storage).
        public func column(_ c: Int, of width: Int) -> Bytes {
            var view = self
            view.first = c
            view.stride = width
            return view
        }

        /// Value `i`'s bytes (the 0 after them is readable too).
        public func withValue<T>(_ i: Int, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
            let k = first + i * stride
            let start = k == 0 ? 0 : ends[k - 1] + 1
            return try data.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<ends[k]])) }
        }
    }

    /// One column's values, one per row (a null row's entry is a placeholder).
    public enum Values {
        case integer([Int64])
        case double([Double])
        case boolean([Bool])
        /// Seconds since 1970-01-01 UTC.
        case timestamp([Double])
        /// UTF-8 text.
        case text(Bytes)
        /// Binary values.
        case bytes(Bytes)
        /// Literals already checked against `type` (CSV fields): copied as they are where the
        /// database reads text, parsed where it binds values. An empty literal is NULL.
        case literals(Bytes, CSVColumnType)
    }

    public struct Column {
        public var values: Values
        /// true where the row's value is NULL; nil when none is.
        public var nulls: [Bool]?

        public init(values: Values, nulls: [Bool]?) {
            self.values = values
            self.nulls = nulls
        }
    }

    public var columns: [Column]
    public let rowCount: Int

    public init(columns: [Column], rowCount: Int) {
        self.columns = columns
        self.rowCount = rowCount
    }
}

extension ColumnBatch {
    /// The batch's columns split by kind into plain arrays, for the drivers' row loops: a
    /// value read as `integers[c][r]` is a borrow, where matching the `Values` enum per cell
    /// would copy (retain and release) its array every time.
    struct Unpacked {
        enum Kind { case integer, double, boolean, timestamp, text, binary, literal }
        var kinds: [Kind] = []
        var integers: [[Int64]] = []
        /// Doubles, and timestamps as seconds.
        var doubles: [[Double]] = []
        var booleans: [[Bool]] = []
        /// Text and literals.
        var bytes: [Bytes] = []
        var literalTypes: [CSVColumnType] = []
        var nulls: [[Bool]] = []
        var hasNulls: [Bool] = []
    }

    func unpacked() -> Unpacked {
        var u = Unpacked()
        for column in columns {
            var kind = Unpacked.Kind.integer
            var integers: [Int64] = []
            var doubles: [Double] = []
            var booleans: [Bool] = []
            var bytes = Bytes()
            var literalType = CSVColumnType.text
            switch column.values {
            case .integer(let v): integers = v
            case .double(let v):
                kind = .double
                doubles = v
            case .boolean(let v):
                kind = .boolean
                booleans = v
            case .timestamp(let v):
                kind = .timestamp
                doubles = v
            case .text(let b):
                kind = .text
                bytes = b
            case .bytes(let b):
                kind = .binary
                bytes = b
            case .literals(let b, let type):
                kind = .literal
                bytes = b
                literalType = type
            }
            u.kinds.append(kind)
            u.integers.append(integers)
            u.doubles.append(doubles)
            u.booleans.append(booleans)
            u.bytes.append(bytes)
            u.literalTypes.append(literalType)
            u.nulls.append(column.nulls ?? [])
            u.hasNulls.append(column.nulls != nil)
        }
        return u
    }
}

/// A literal in a batch that does not read as its column's type.
public struct BadLiteral: Error {
    public let row: Int
    public let column: Int
}

extension CSVValueParser {
    /// A literal read as a column type.
    static func value(_ field: UnsafeRawBufferPointer, as type: CSVColumnType) -> SQLValue? {
        switch type {
        case .integer: integer(field).map(SQLValue.integer)
        case .double: double(field).map(SQLValue.double)
        case .boolean: boolean(field).map(SQLValue.bool)
        case .timestamp: timestamp(field).map(SQLValue.timestamp)
        case .text: .text(String(decoding: field, as: UTF8.self))
        case .bytes: .bytes(Array(field))
        }
    }
}
