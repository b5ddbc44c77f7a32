import CLibPQ
import CSQLite
import Foundation

/// A bulk sink that takes a CSV record's fields directly, skipping `SQLValue`: the loader's
/// fast path. Postgres passes the validated field text straight into COPY; SQLite binds
/// from the bytes. Returns the index of a field that does not convert, or nil.
protocol CSVFieldSink: BulkInsertSink {
    func append(fields: CSVFields, types: [CSVColumnType]) throws -> Int?
}

extension PostgresCopySink: CSVFieldSink {
    func append(fields: CSVFields, types: [CSVColumnType]) throws -> Int? {
        for i in 0..<fields.count {
            if i > 0 { buffer.append(UInt8(ascii: "\t")) }
            if fields.isEmpty(i) {
                buffer.append(contentsOf: [92, UInt8(ascii: "N")])
                continue
            }
            let field = fields[i]
            if types[i] == .text {
                PostgresText.appendCopyEscaped(field, to: &buffer)
            } else {
                // Numbers, booleans and ISO timestamps were validated in the first pass and
                // are already in a form Postgres' input functions read.
                buffer.append(contentsOf: field)
            }
        }
        buffer.append(UInt8(ascii: "\n"))
        count += 1
        if buffer.count >= Self.flushThreshold { try flush() }
        return nil
    }
}

extension SQLiteInsertSink: CSVFieldSink {
    func append(fields: CSVFields, types: [CSVColumnType]) throws -> Int? {
        if let bad = try statement.bind(fields: fields, types: types) { return bad }
        while try statement.step() {}
        statement.reset()
        count += 1
        return nil
    }
}

extension SQLiteStatement {
    /// Binds a CSV record by column type; returns the index of a field that does not convert.
    func bind(fields: CSVFields, types: [CSVColumnType]) throws -> Int? {
        for i in 0..<fields.count {
            let index = Int32(i + 1)
            if fields.isEmpty(i) {
                sqlite3_bind_null(handle, index)
                continue
            }
            let field = fields[i]
            let rc: Int32
            switch types[i] {
            case .integer:
                guard let v = CSVValueParser.integer(field) else { return i }
                rc = sqlite3_bind_int64(handle, index, v)
            case .double:
                guard let v = CSVValueParser.double(field) else { return i }
                rc = sqlite3_bind_double(handle, index, v)
            case .boolean:
                guard let v = CSVValueParser.boolean(field) else { return i }
                rc = sqlite3_bind_int64(handle, index, v ? 1 : 0)
            case .timestamp:
                guard let v = CSVValueParser.timestamp(field) else { return i }
                rc = Timestamp.withFormatted(v) { text in
                    text.withMemoryRebound(to: CChar.self) {
                        modelserve_sqlite_bind_text(handle, index, $0.baseAddress, Int32($0.count))
                    }
                }
            case .text:
                rc = modelserve_sqlite_bind_text(
                    handle, index, field.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(field.count))
            }
            guard rc == SQLITE_OK else { throw connection.error(rc, sql: sql) }
        }
        return nil
    }
}
