import CSQLite
import Foundation

/// One SQLite connection. Owns its `sqlite3` handle and closes it exactly once, in `deinit`.
/// Not thread-safe (opened with `SQLITE_OPEN_NOMUTEX`); the pool serialises its use.
final class SQLiteConnection: Connection {
    let dialect = SQLDialect.sqlite
    private let handle: OpaquePointer
    private(set) var isInTransaction = false
    /// In a read-only transaction every statement prepared must be one that only reads
    /// (`prepare` checks). Not `PRAGMA query_only`: a flag pragma expires every prepared
    /// statement of the connection, so each transaction's end threw the statement cache away
    /// (the request log writer re-parsed every insert: 40% of its instructions).
    private var readOnlyTransaction = false
    var isHealthy: Bool { true }
    /// Prepared statements put back after use, by SQL text, so repeated statements (the
    /// request log's batch insert and its id and minute bookkeeping, many times a second)
    /// skip SQLite's parser and planner. Queries are kept too: a statement reads its columns
    /// again when taken and after SQLite re-prepares it for a schema change
    /// (`SQLiteStatement.step`). A short list searched by length and then `==`, not a
    /// dictionary: hashing a 100-row insert's text (5 KB) cost more than binding it. Full, the
    /// oldest goes. Never used while restricted: the authorizer judges a statement when it
    /// is prepared, so a restricted connection prepares every statement afresh.
    private var idleStatements: [(sql: String, statement: OpaquePointer)] = []
    private static let idleStatementLimit = 32

    /// The deadline of a restricted connection's statements (monotonic seconds), read by
    /// the progress handler; allocated while restricted.
    private var deadline: UnsafeMutablePointer<Double>?
    private(set) var timedOut = false

    /// Checkpoints this connection's commits off its thread; kept so it outlives the hook.
    private let checkpointer: SQLiteCheckpointer?

    init(
        path: String, busyTimeoutMilliseconds: Int32 = 10_000, readOnly: Bool = false,
        checkpointer: SQLiteCheckpointer? = nil
    ) throws {
        self.checkpointer = checkpointer
        var db: OpaquePointer?
        let flags =
            readOnly
            ? SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX
            : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            if let db { sqlite3_close_v2(db) }
            throw DatabaseError(
                .connection, code: Self.codeName(rc), message: "cannot open SQLite database '\(path)': \(message)")
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
        if readOnly { return }
        // WAL lets readers run beside one writer; NORMAL sync is durable across application
        // crashes in WAL mode; foreign keys are off by default in SQLite.
        try executeScript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")
        checkpointer?.attach(to: db)
    }

    deinit {
        unrestrict()
        for idle in idleStatements { sqlite3_finalize(idle.statement) }
        sqlite3_close_v2(handle)
    }

    /// From here on, statements may only read (the authorizer refuses ATTACH, PRAGMA,
    /// writes and functions that reach the OS) and stop after `seconds`.
    func restrict(seconds: Double) {
        let pointer = UnsafeMutablePointer<Double>.allocate(capacity: 1)
        pointer.pointee = Self.now() + seconds
        deadline = pointer
        sqlite3_set_authorizer(handle, readOnlyAuthorizer, nil)
        sqlite3_progress_handler(
            handle, 10_000,
            { context in
                guard let context else { return 0 }
                return SQLiteConnection.now() > context.assumingMemoryBound(to: Double.self).pointee ? 1 : 0
            }, UnsafeMutableRawPointer(pointer))
    }

    func unrestrict() {
        guard let pointer = deadline else { return }
        timedOut = Self.now() > pointer.pointee
        sqlite3_progress_handler(handle, 0, nil, nil)
        sqlite3_set_authorizer(handle, nil, nil)
        pointer.deallocate()
        deadline = nil
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    // MARK: Statements

    @discardableResult
    func execute(_ sql: String, _ parameters: [SQLValue]) throws -> Int {
        let statement = try prepare(sql)
        try statement.bind(parameters)
        while try statement.step() {}
        return Int(sqlite3_changes64(handle))
    }

    func query(_ sql: String, _ parameters: [SQLValue]) throws -> [Row] {
        let statement = try prepare(sql)
        try statement.bind(parameters)
        var rows: [Row] = []
        while try statement.step() {
            rows.append(Row(columns: statement.columns, values: statement.currentValues()))
        }
        return rows
    }

    func stream(_ sql: String, _ parameters: [SQLValue], batchSize: Int, _ body: (RowBatch) throws -> Void) throws {
        let statement = try prepare(sql)
        try statement.bind(parameters)
        let size = max(1, batchSize)
        var batch: [[SQLValue]] = []
        batch.reserveCapacity(size)
        while try statement.step() {
            batch.append(statement.currentValues())
            if batch.count == size {
                try body(RowBatch(columns: statement.columns, rows: batch))
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty { try body(RowBatch(columns: statement.columns, rows: batch)) }
    }

    func executeScript(_ sql: String) throws {
        // A script is not checked statement by statement: none runs in a read-only transaction.
        if readOnlyTransaction {
            throw DatabaseError(
                .statement, code: "SQLITE_READONLY", message: "no scripts in a read-only transaction", sql: sql)
        }
        var errorMessage: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if rc != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(errorMessage)
            throw error(rc, message: message, sql: sql)
        }
    }

    @discardableResult
    func bulkInsert(into table: SQLIdentifier, columns: [SQLIdentifier], _ produce: (any BulkInsertSink) throws -> Void)
        throws -> Int
    {
        guard isInTransaction else {
            return try transaction { try $0.bulkInsert(into: table, columns: columns, produce) }
        }
        let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        let sql =
            "INSERT INTO \(table.quoted) (\(columns.map(\.quoted).joined(separator: ", "))) VALUES (\(placeholders))"
        let sink = SQLiteInsertSink(statement: try prepare(sql), width: columns.count)
        try produce(sink)
        return sink.count
    }

    // MARK: Transactions

    func begin(readOnly: Bool) throws {
        guard !isInTransaction else { throw DatabaseError.nestedTransaction }
        // IMMEDIATE takes the write lock up front, so two writers wait on the busy timeout
        // instead of deadlocking on a read-to-write upgrade.
        // Prepared and kept like any statement: sqlite3_exec would parse it every time.
        try execute(readOnly ? "BEGIN DEFERRED" : "BEGIN IMMEDIATE", [])
        isInTransaction = true
        readOnlyTransaction = readOnly
    }

    func commit() throws {
        try finishTransaction("COMMIT")
    }

    func rollback() throws {
        try finishTransaction("ROLLBACK")
    }

    private func finishTransaction(_ verb: String) throws {
        guard isInTransaction else { throw DatabaseError.misuse("\(verb) without an open transaction") }
        readOnlyTransaction = false
        if sqlite3_get_autocommit(handle) != 0 {
            // SQLite already rolled back (some errors end the transaction on their own).
            isInTransaction = false
            if verb == "COMMIT" {
                throw DatabaseError(.statement, message: "the transaction was rolled back by SQLite before COMMIT")
            }
            return
        }
        try execute(verb, [])
        isInTransaction = false
    }

    func lock(_ key: String) throws {
        guard isInTransaction else { throw DatabaseError.misuse("lock(\(key)) outside a transaction") }
    }

    // MARK: Schema

    func tableExists(_ table: SQLIdentifier) throws -> Bool {
        try queryFirst(
            "SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND lower(name) = ?", [.text(table.name)])
            != nil
    }

    func tableColumns(_ table: SQLIdentifier) throws -> [String] {
        try query("SELECT name FROM pragma_table_info(?) ORDER BY cid", [.text(table.name)]).compactMap {
            $0[0].string
        }
    }

    func isIndexed(_ table: SQLIdentifier, column: String) throws -> Bool {
        try queryFirst(
            """
            SELECT EXISTS (SELECT 1 FROM pragma_index_list(?1) AS l, pragma_index_info(l.name) AS i
                           WHERE i.seqno = 0 AND lower(i.name) = lower(?2))
                OR EXISTS (SELECT 1 FROM pragma_table_info(?1)
                           WHERE pk = 1 AND lower(name) = lower(?2) AND upper(type) = 'INTEGER')
            """, [.text(table.name), .text(column)]
        )?[0].bool == true
    }

    // MARK: Helpers

    func prepare(_ sql: String) throws -> SQLiteStatement {
        let statement = try prepareAny(sql)
        if readOnlyTransaction && sqlite3_stmt_readonly(statement.handle) == 0 {
            throw DatabaseError(
                .statement, code: "SQLITE_READONLY",
                message: "a read-only transaction cannot run a statement that writes",
                sql: sql)
        }
        return statement
    }

    private func prepareAny(_ sql: String) throws -> SQLiteStatement {
        if deadline == nil, let index = keptIndex(sql) {
            return SQLiteStatement(handle: idleStatements.remove(at: index).statement, connection: self, sql: sql)
        }
        var statement: OpaquePointer?
        var tail: UnsafePointer<CChar>?
        var trailing: OpaquePointer?
        let rc = sql.withCString { text -> Int32 in
            let rc = sqlite3_prepare_v2(handle, text, -1, &statement, &tail)
            // A second statement after the first is an error, not silently ignored.
            if rc == SQLITE_OK, let tail, tail.pointee != 0 {
                var rest: UnsafePointer<CChar>?
                if sqlite3_prepare_v2(handle, tail, -1, &trailing, &rest) != SQLITE_OK || trailing != nil {
                    return SQLITE_MISUSE
                }
            }
            return rc
        }
        if rc == SQLITE_MISUSE {
            sqlite3_finalize(statement)
            sqlite3_finalize(trailing)
            throw DatabaseError(.statement, code: "SQLITE_MISUSE", message: "only one statement is allowed", sql: sql)
        }
        guard rc == SQLITE_OK, let statement else {
            throw error(rc, sql: sql)
        }
        return SQLiteStatement(handle: statement, connection: self, sql: sql)
    }

    /// Whether a statement of this text waits prepared for reuse.
    func isKept(_ sql: String) -> Bool { keptIndex(sql) != nil }

    /// Lengths first: the log writer's insert texts share a long prefix, which `==` on two
    /// different Strings compares byte by byte.
    private func keptIndex(_ sql: String) -> Int? {
        let length = sql.utf8.count
        return idleStatements.firstIndex { $0.sql.utf8.count == length && $0.sql == sql }
    }

    func keepPrepared(_ statements: [String]) throws {
        for sql in statements where !isKept(sql) {
            _ = try prepare(sql)  // kept when the statement ends, just below
        }
    }

    /// Takes a statement back when its `SQLiteStatement` ends: reset and unbound, it waits
    /// for the same SQL again (the oldest waiting is finalized when the list is full).
    func recycle(_ statement: OpaquePointer, sql: String) {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
        guard deadline == nil, !isKept(sql) else {
            sqlite3_finalize(statement)
            return
        }
        if idleStatements.count == Self.idleStatementLimit { sqlite3_finalize(idleStatements.removeFirst().statement) }
        idleStatements.append((sql, statement))
    }

    func error(_ rc: Int32, message: String? = nil, sql: String?) -> DatabaseError {
        let primary = rc & 0xFF
        let kind: DatabaseError.Kind =
            primary == SQLITE_CONSTRAINT
            ? .constraint
            : (primary == SQLITE_CANTOPEN || primary == SQLITE_NOTADB || primary == SQLITE_IOERR)
                ? .connection : .statement
        return DatabaseError(
            kind, code: Self.codeName(rc), message: message ?? String(cString: sqlite3_errmsg(handle)), sql: sql)
    }

    static func codeName(_ rc: Int32) -> String {
        let names: [Int32: String] = [
            SQLITE_ERROR: "SQLITE_ERROR", SQLITE_BUSY: "SQLITE_BUSY", SQLITE_LOCKED: "SQLITE_LOCKED",
            SQLITE_READONLY: "SQLITE_READONLY", SQLITE_IOERR: "SQLITE_IOERR", SQLITE_CORRUPT: "SQLITE_CORRUPT",
            SQLITE_FULL: "SQLITE_FULL", SQLITE_CANTOPEN: "SQLITE_CANTOPEN", SQLITE_CONSTRAINT: "SQLITE_CONSTRAINT",
            SQLITE_MISMATCH: "SQLITE_MISMATCH", SQLITE_RANGE: "SQLITE_RANGE", SQLITE_NOTADB: "SQLITE_NOTADB",
            SQLITE_TOOBIG: "SQLITE_TOOBIG",
        ]
        let extended: [Int32: String] = [
            1555: "_PRIMARYKEY", 2067: "_UNIQUE", 787: "_FOREIGNKEY", 275: "_CHECK", 1299: "_NOTNULL",
            517: "_SNAPSHOT", 261: "_RECOVERY", 3338: "_SHORT_READ", 778: "_WRITE",
        ]
        guard let name = names[rc & 0xFF] else { return "SQLITE_\(rc)" }
        guard rc > 0xFF else { return name }
        return extended[rc].map { name + $0 } ?? "\(name) (\(rc))"
    }
}

/// Rows for a bulk insert, bound one by one into a single prepared statement.
final class SQLiteInsertSink: BulkInsertSink {
    let statement: SQLiteStatement
    let width: Int
    var count = 0

    init(statement: SQLiteStatement, width: Int) {
        self.statement = statement
        self.width = width
    }

    func append(_ row: [SQLValue]) throws {
        guard row.count == width else {
            throw DatabaseError.misuse("bulk insert row has \(row.count) values for \(width) columns")
        }
        try statement.bind(row)
        while try statement.step() {}
        statement.reset()
        count += 1
    }
}

/// The authorizer of restricted connections: reading tables and calling functions is all a
/// statement may do (no ATTACH, PRAGMA, write, schema change or transaction control), and
/// no function that reaches the file system or loads code.
private func readOnlyAuthorizer(
    _ context: UnsafeMutableRawPointer?, _ action: Int32, _ first: UnsafePointer<CChar>?,
    _ second: UnsafePointer<CChar>?, _ database: UnsafePointer<CChar>?, _ trigger: UnsafePointer<CChar>?
) -> Int32 {
    switch action {
    case SQLITE_SELECT, SQLITE_READ, SQLITE_RECURSIVE:
        return SQLITE_OK
    case SQLITE_FUNCTION:
        guard let second else { return SQLITE_DENY }
        return TrainingQuery.refusedFunctions.contains(String(cString: second).lowercased()) ? SQLITE_DENY : SQLITE_OK
    default:
        return SQLITE_DENY
    }
}
