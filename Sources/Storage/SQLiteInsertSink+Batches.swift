import CSQLite
import Foundation

extension SQLiteInsertSink {
    /// A batch through the one prepared insert: typed binds, literals parsed by their type.
    func append(_ batch: ColumnBatch) throws {
        guard batch.columns.count == width else {
            throw DatabaseError.misuse("bulk insert batch has \(batch.columns.count) columns for \(width)")
        }
        let handle = statement.handle
        let u = batch.unpacked()
        for r in 0..<batch.rowCount {
            for c in 0..<u.kinds.count {
                let index = Int32(c + 1)
                if u.hasNulls[c] && u.nulls[c][r] {
                    sqlite3_bind_null(handle, index)
                    continue
                }
                let rc: Int32
                switch u.kinds[c] {
                case .integer: rc = sqlite3_bind_int64(handle, index, u.integers[c][r])
                case .double: rc = sqlite3_bind_double(handle, index, u.doubles[c][r])
                case .boolean: rc = sqlite3_bind_int64(handle, index, u.booleans[c][r] ? 1 : 0)
                case .timestamp: rc = bindTimestamp(Date(timeIntervalSince1970: u.doubles[c][r]), at: index)
                case .text: rc = u.bytes[c].withValue(r) { bindText($0, at: index) }
                case .binary:
                    rc = u.bytes[c].withValue(r) {
                        modelserve_sqlite_bind_blob(handle, index, $0.baseAddress, Int32($0.count))
                    }
                case .literal:
                    let type = u.literalTypes[c]
                    guard let code = u.bytes[c].withValue(r, { bindLiteral($0, type, at: index) }) else {
                        throw BadLiteral(row: r, column: c)
                    }
                    rc = code
                }
                guard rc == SQLITE_OK else { throw statement.connection.error(rc, sql: statement.sql) }
            }
            while try statement.step() {}
            statement.reset()
            count += 1
        }
    }

    /// A checked literal bound as its type; nil when it does not read as one.
    private func bindLiteral(_ field: UnsafeRawBufferPointer, _ type: CSVColumnType, at index: Int32) -> Int32? {
        if field.isEmpty { return sqlite3_bind_null(statement.handle, index) }
        return switch type {
        case .integer: CSVValueParser.integer(field).map { sqlite3_bind_int64(statement.handle, index, $0) }
        case .double: CSVValueParser.double(field).map { sqlite3_bind_double(statement.handle, index, $0) }
        case .boolean: CSVValueParser.boolean(field).map { sqlite3_bind_int64(statement.handle, index, $0 ? 1 : 0) }
        case .timestamp: CSVValueParser.timestamp(field).map { bindTimestamp($0, at: index) }
        case .text: bindText(field, at: index)
        case .bytes: modelserve_sqlite_bind_blob(statement.handle, index, field.baseAddress, Int32(field.count))
        }
    }

    private func bindText(_ field: UnsafeRawBufferPointer, at index: Int32) -> Int32 {
        // SQLITE_TRANSIENT (in the shim): SQLite copies the bytes before the call returns.
        guard let base = field.baseAddress else {
            return "".withCString { modelserve_sqlite_bind_text(statement.handle, index, $0, 0) }
        }
        return modelserve_sqlite_bind_text(
            statement.handle, index, base.assumingMemoryBound(to: CChar.self), Int32(field.count))
    }

    private func bindTimestamp(_ date: Date, at index: Int32) -> Int32 {
        Timestamp.withFormatted(date) { text in
            text.withMemoryRebound(to: CChar.self) {
                modelserve_sqlite_bind_text(statement.handle, index, $0.baseAddress, Int32($0.count))
            }
        }
    }
}
