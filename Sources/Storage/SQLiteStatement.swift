import CSQLite
import Foundation

/// One prepared SQLite statement, handed back to its connection in `deinit` (which keeps it
/// for reuse or finalizes it). Holds its connection so the connection outlives it.
final class SQLiteStatement {
    let handle: OpaquePointer
    let connection: SQLiteConnection
    let sql: String
    private(set) var declaredKinds: [DeclaredKind] = []
    private(set) var columns = Columns([])
    /// SQLite's count of this statement's re-preparations when its columns were read: one
    /// kept for reuse may be re-prepared by its next step after a schema change elsewhere
    /// (`SELECT *` then has other columns).
    private var preparations: Int32 = 0
    /// Whether the columns were checked against the program the current run steps through.
    private var columnsChecked = false

    /// What a column's declared type says about values SQLite stores as integers or text.
    enum DeclaredKind {
        case plain, boolean, timestamp
    }

    init(handle: OpaquePointer, connection: SQLiteConnection, sql: String) {
        self.handle = handle
        self.connection = connection
        self.sql = sql
        readColumns()
    }

    private func readColumns() {
        preparations = sqlite3_stmt_status(handle, SQLITE_STMTSTATUS_REPREPARE, 0)
        let count = Int(sqlite3_column_count(handle))
        guard count > 0 || !columns.names.isEmpty else { return }
        var names: [String] = []
        var kinds: [DeclaredKind] = []
        for i in 0..<Int32(count) {
            names.append(String(cString: sqlite3_column_name(handle, i)))
            let declared = sqlite3_column_decltype(handle, i).map { String(cString: $0).uppercased() } ?? ""
            if declared.contains("BOOL") {
                kinds.append(.boolean)
            } else if declared.contains("TIMESTAMP") || declared.contains("DATETIME") {
                kinds.append(.timestamp)
            } else {
                kinds.append(.plain)
            }
        }
        columns = Columns(names)
        declaredKinds = kinds
    }

    /// The bound texts' and blobs' bytes, bound with SQLITE_STATIC: one copy per batch
    /// instead of SQLite allocating and copying each (a 100-row request-log insert binds
    /// 800). Valid until the next `bind` or the statement's reset, which `deinit` (via
    /// `recycle`) does before freeing it.
    private var texts = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    /// A batch's timestamps mostly fall in one second.
    private var timestamps = Timestamp.Recent()

    deinit {
        connection.recycle(handle, sql: sql)
        texts.deallocate()
    }

    func bind(_ values: [SQLValue]) throws {
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard values.count == expected else {
            throw DatabaseError(
                .misuse, message: "statement has \(expected) placeholders but \(values.count) values were given",
                sql: sql)
        }
        reserveTexts(for: values)
        var used = 0
        // Read in place: a for-in over the values copied each payload (a retain and a release
        // for every text and body bound).
        try values.withUnsafeBufferPointer { values in
            for offset in values.indices {
                let i = Int32(offset + 1)
                let rc: Int32
                switch values[offset] {
                case .null: rc = sqlite3_bind_null(handle, i)
                case .integer(let v): rc = sqlite3_bind_int64(handle, i, v)
                case .double(let v): rc = sqlite3_bind_double(handle, i, v)
                case .bool(let v): rc = sqlite3_bind_int64(handle, i, v ? 1 : 0)
                case .text(let s):
                    rc =
                        s.utf8.withContiguousStorageIfAvailable { bindText($0, at: i, used: &used) }
                        ?? { var s = s; return s.withUTF8 { bindText($0, at: i, used: &used) } }()
                case .bytes(let bytes):
                    rc = bytes.withUnsafeBufferPointer { bindText($0, at: i, used: &used, blob: true) }
                case .timestamp(let date):
                    rc = timestamps.withFormatted(date) { bindText($0, at: i, used: &used) }
                }
                guard rc == SQLITE_OK else { throw connection.error(rc, sql: sql) }
            }
        }
    }

    /// Room in `texts` for every text and timestamp of `values`; earlier bindings into it
    /// are all replaced by the binding that follows.
    private func reserveTexts(for values: [SQLValue]) {
        var needed = 0
        for value in values {
            switch value {
            // A NULL pointer would bind SQL NULL: the empty string takes one byte.
            case .text(let s): needed += max(1, s.utf8.count)
            case .bytes(let b): needed += max(1, b.count)
            case .timestamp: needed += Timestamp.maximumFormattedLength
            default: continue
            }
        }
        guard needed > texts.count else { return }
        texts.deallocate()
        texts = .allocate(byteCount: max(needed, 2 * texts.count), alignment: 8)
    }

    /// Binds text (or a blob) from `texts`, copied there; a NULL pointer would bind SQL NULL,
    /// so an empty value still takes a byte.
    private func bindText(_ text: UnsafeBufferPointer<UInt8>, at i: Int32, used: inout Int, blob: Bool = false)
        -> Int32
    {
        guard used + max(1, text.count) <= texts.count else {
            // Longer than reserved (a timestamp of a year past 9999 could be): SQLite copies it.
            guard let base = text.baseAddress, !text.isEmpty else {
                return blob ? sqlite3_bind_zeroblob(handle, i, 0) : modelserve_sqlite_bind_text(handle, i, "", 0)
            }
            if blob { return modelserve_sqlite_bind_blob(handle, i, base, Int32(text.count)) }
            return base.withMemoryRebound(to: CChar.self, capacity: text.count) {
                modelserve_sqlite_bind_text(handle, i, $0, Int32(text.count))
            }
        }
        let start = texts.baseAddress! + used
        if let base = text.baseAddress, !text.isEmpty {
            start.copyMemory(from: base, byteCount: text.count)
        }
        used += max(1, text.count)
        if blob { return modelserve_sqlite_bind_blob_static(handle, i, start, Int32(text.count)) }
        return modelserve_sqlite_bind_text_static(handle, i, start.assumingMemoryBound(to: CChar.self), Int32(text.count))
    }

    /// Advances to the next row; false when done.
    func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW:
            if !columnsChecked {
                columnsChecked = true
                if sqlite3_stmt_status(handle, SQLITE_STMTSTATUS_REPREPARE, 0) != preparations { readColumns() }
            }
            return true
        case SQLITE_DONE: return false
        default:
            let error = connection.error(rc, sql: sql)
            sqlite3_reset(handle)
            throw error
        }
    }

    func reset() {
        sqlite3_reset(handle)
        columnsChecked = false
    }

    func currentValues() -> [SQLValue] {
        var values: [SQLValue] = []
        values.reserveCapacity(declaredKinds.count)
        for (offset, kind) in declaredKinds.enumerated() {
            let i = Int32(offset)
            switch sqlite3_column_type(handle, i) {
            case SQLITE_NULL:
                values.append(.null)
            case SQLITE_INTEGER:
                let v = sqlite3_column_int64(handle, i)
                values.append(kind == .boolean && (v == 0 || v == 1) ? .bool(v == 1) : .integer(v))
            case SQLITE_FLOAT:
                values.append(.double(sqlite3_column_double(handle, i)))
            case SQLITE_BLOB:
                let count = Int(sqlite3_column_bytes(handle, i))
                if count == 0 {
                    values.append(.bytes([]))
                } else {
                    let pointer = sqlite3_column_blob(handle, i)!
                    values.append(.bytes(Array(UnsafeRawBufferPointer(start: pointer, count: count))))
                }
            default:
                let count = Int(sqlite3_column_bytes(handle, i))
                let text =
                    sqlite3_column_text(handle, i).map {
                        String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self)
                    } ?? ""
                if kind == .timestamp, let date = Timestamp.parse(text) {
                    values.append(.timestamp(date))
                } else {
                    values.append(.text(text))
                }
            }
        }
        return values
    }
}
