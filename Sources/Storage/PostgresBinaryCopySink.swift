import Foundation

/// Rows for `COPY ... FROM STDIN (FORMAT binary)`: for columns whose types the caller knows
/// exactly (a table it just created), values go in Postgres' own binary form, so neither
/// side formats or parses numbers as text. Buffered and sent in large chunks.
final class PostgresBinaryCopySink: BulkInsertSink {
    private unowned let connection: PostgresConnection
    private let types: [CopyColumnType]
    private let sql: String
    private var buffer = ByteBuffer(capacity: flushThreshold + 4096)
    private(set) var count = 0
    static let flushThreshold = 256 * 1024
    /// Seconds from 1970-01-01 to 2000-01-01, Postgres' timestamp epoch.
    private static let epochOffset = 946_684_800.0

    init(connection: PostgresConnection, types: [CopyColumnType], sql: String) {
        self.connection = connection
        self.types = types
        self.sql = sql
        // Signature, flags, header extension length.
        buffer.append(Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00])
        buffer.append([0, 0, 0, 0, 0, 0, 0, 0])
    }

    @inline(__always)
    private func put<T: FixedWidthInteger>(_ value: T) {
        buffer.append(bigEndian: value)
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
        buffer.append(UInt8(v ? 1 : 0))
    }

    private func timestamp(_ seconds: Double) {
        put(Int32(8))
        put(Int64(((seconds - Self.epochOffset) * 1_000_000).rounded()))
    }

    private func text(_ string: String) {
        if let written = string.utf8.withContiguousStorageIfAvailable({ text(UnsafeRawBufferPointer($0)) }) {
            return written
        }
        var string = string
        string.withUTF8 { text(UnsafeRawBufferPointer($0)) }
    }

    private func text(_ bytes: UnsafeRawBufferPointer) {
        put(Int32(bytes.count))
        buffer.append(bytes)
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
        // By index, each value matched where it lies: a switch over (value, type) pairs
        // copied every value (a retain and a release for each text).
        for c in row.indices {
            let type = types[c]
            switch row[c] {
            case .null: null()
            case .integer(let v) where type == .integer: integer(v)
            case .integer(let v) where type == .integer32: try integer32(v)
            case .integer(let v) where type == .double: double(Double(v))
            case .double(let v) where type == .double: double(v)
            case .bool(let v) where type == .boolean: boolean(v)
            case .timestamp(let d) where type == .timestamp: timestamp(d.timeIntervalSince1970)
            case .text(let s) where type == .text: text(s)
            case .bytes(let b) where type == .bytes: b.withUnsafeBytes { text($0) }
            // Text the caller holds as UTF-8 bytes (the request log's bodies): the same wire
            // form; Postgres refuses the batch if they are not valid in its encoding.
            case .bytes(let b) where type == .text: b.withUnsafeBytes { text($0) }
            default: throw DatabaseError.misuse("a \(row[c]) value for a \(type) column")
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
        try buffer.withUnsafeBytes { try connection.putCopyData($0, sql: sql) }
        buffer.removeAll()
    }
}
