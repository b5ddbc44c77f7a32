import Foundation

/// Rows for `COPY ... FROM STDIN (FORMAT binary)`: for columns whose types the caller knows
/// exactly (a table it just created), values go in Postgres' own binary form, so neither
/// side formats or parses numbers as text. Buffered and sent in large chunks.
final class PostgresBinaryCopySink: BulkInsertSink {
    private unowned let connection: PostgresConnection
    private let types: [CopyColumnType]
    private let sql: String
    private var buffer: [UInt8] = []
    private(set) var count = 0
    static let flushThreshold = 256 * 1024
    /// Seconds from 1970-01-01 to 2000-01-01, Postgres' timestamp epoch.
    private static let epochOffset = 946_684_800.0

    init(connection: PostgresConnection, types: [CopyColumnType], sql: String) {
        self.connection = connection
        self.types = types
        self.sql = sql
        buffer.reserveCapacity(Self.flushThreshold + 4096)
        // Signature, flags, header extension length.
        buffer.append(contentsOf: Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00])
        buffer.append(contentsOf: [0, 0, 0, 0, 0, 0, 0, 0])
    }

    private func put<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { buffer.append(contentsOf: $0) }
    }

    private func null() { put(Int32(-1)) }

    private func integer(_ v: Int64) {
        put(Int32(8))
        put(v)
    }

    private func integer32(_ v: Int64) throws {
        guard let narrow = Int32(exactly: v) else {
            throw DatabaseError.misuse("\(v) does not fit an INTEGER column")
        }
        put(Int32(4))
        put(narrow)
    }

    private func double(_ v: Double) {
        put(Int32(8))
        put(v.bitPattern)
    }

    private func boolean(_ v: Bool) {
        put(Int32(1))
        buffer.append(v ? 1 : 0)
    }

    private func timestamp(_ seconds: Double) {
        put(Int32(8))
        put(Int64(((seconds - Self.epochOffset) * 1_000_000).rounded()))
    }

    private func text(_ bytes: UnsafeRawBufferPointer) {
        put(Int32(bytes.count))
        if let base = bytes.baseAddress {
            buffer.append(
                contentsOf: UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: bytes.count))
        }
    }

    private func endRow() throws {
        count += 1
        if buffer.count >= Self.flushThreshold { try flush() }
    }

    func append(_ row: [SQLValue]) throws {
        guard row.count == types.count else {
            throw DatabaseError.misuse("bulk insert row has \(row.count) values for \(types.count) columns")
        }
        put(Int16(types.count))
        for (value, type) in zip(row, types) {
            switch (value, type) {
            case (.null, _): null()
            case (.integer(let v), .integer): integer(v)
            case (.integer(let v), .integer32): try integer32(v)
            case (.integer(let v), .double): double(Double(v))
            case (.double(let v), .double): double(v)
            case (.bool(let v), .boolean): boolean(v)
            case (.timestamp(let d), .timestamp): timestamp(d.timeIntervalSince1970)
            case (.text(var s), .text): s.withUTF8 { text(UnsafeRawBufferPointer($0)) }
            case (.bytes(let b), .bytes): b.withUnsafeBytes { text($0) }
            default: throw DatabaseError.misuse("a \(value) value for a \(type) column")
            }
        }
        try endRow()
    }

    func append(_ batch: ColumnBatch) throws {
        guard batch.columns.count == types.count else {
            throw DatabaseError.misuse("bulk insert batch has \(batch.columns.count) columns for \(types.count)")
        }
        let u = batch.unpacked()
        for r in 0..<batch.rowCount {
            put(Int16(types.count))
            for c in 0..<types.count {
                if u.hasNulls[c] && u.nulls[c][r] {
                    null()
                    continue
                }
                switch u.kinds[c] {
                case .integer:
                    if types[c] == .integer32 { try integer32(u.integers[c][r]) } else { integer(u.integers[c][r]) }
                case .double: double(u.doubles[c][r])
                case .boolean: boolean(u.booleans[c][r])
                case .timestamp: timestamp(u.doubles[c][r])
                case .text, .binary: u.bytes[c].withValue(r) { text($0) }
                case .literal:
                    let type = u.literalTypes[c]
                    guard
                        let value = u.bytes[c].withValue(r, { $0.isEmpty ? .null : CSVValueParser.value($0, as: type) })
                    else { throw BadLiteral(row: r, column: c) }
                    switch value {
                    case .null: null()
                    case .integer(let v): integer(v)
                    case .double(let v): double(v)
                    case .bool(let v): boolean(v)
                    case .timestamp(let d): timestamp(d.timeIntervalSince1970)
                    case .text(var s): s.withUTF8 { text(UnsafeRawBufferPointer($0)) }
                    case .bytes(let b): b.withUnsafeBytes { text($0) }
                    }
                }
            }
            try endRow()
        }
    }

    /// The trailer, after the last row.
    func finish() {
        put(Int16(-1))
    }

    func flush() throws {
        try connection.putCopyData(&buffer, sql: sql)
    }
}
