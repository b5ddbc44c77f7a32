import CLibPQ
import Foundation

/// One libpq connection in blocking mode. Owns its `PGconn` and finishes it exactly once,
/// in `deinit`. Not thread-safe; the pool serialises its use.
final class PostgresConnection: Connection {
    let dialect = SQLDialect.postgres
    let handle: OpaquePointer
    private(set) var isInTransaction = false

    init(_ config: PostgresConfiguration) throws {
        let parameters = config.connectionParameters
        let keywords = parameters.map { strdup($0.0) }
        let values = parameters.map { strdup($0.1) }
        defer {
            keywords.forEach { free($0) }
            values.forEach { free($0) }
        }
        let keywordPointers = keywords.map { UnsafePointer($0) } + [nil]
        let valuePointers = values.map { UnsafePointer($0) } + [nil]
        guard let connection = PQconnectdbParams(keywordPointers, valuePointers, 0) else {
            throw DatabaseError(.connection, message: "cannot connect to Postgres at \(config.endpoint): out of memory")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.trim(String(cString: PQerrorMessage(connection)))
            PQfinish(connection)
            throw DatabaseError(.connection, message: "cannot connect to Postgres at \(config.endpoint): \(message)")
        }
        handle = connection
        // Timestamps come back in UTC (our parser reads the offset either way); NOTICEs such
        // as "already exists, skipping" are not for the user.
        try executeScript("SET TimeZone = 'UTC'; SET client_min_messages = warning")
    }

    deinit {
        PQfinish(handle)
    }

    var isHealthy: Bool { PQstatus(handle) == CONNECTION_OK }

    // MARK: Statements

    @discardableResult
    func execute(_ sql: String, _ parameters: [SQLValue]) throws -> Int {
        let result = try run(sql, parameters)
        defer { PQclear(result) }
        return Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    func query(_ sql: String, _ parameters: [SQLValue]) throws -> [Row] {
        let result = try run(sql, parameters)
        defer { PQclear(result) }
        let decoder = PostgresResultDecoder(result)
        let columns = decoder.columns
        return (0..<PQntuples(result)).map { Row(columns: columns, values: decoder.values(row: $0, in: result)) }
    }

    func stream(_ sql: String, _ parameters: [SQLValue], batchSize: Int, _ body: (RowBatch) throws -> Void) throws {
        let (rewritten, _) = PlaceholderRewriter.postgres(sql)
        let sent = PostgresParameters(parameters).withPointers { p in
            PQsendQueryParams(handle, rewritten, p.count, p.types, p.values, p.lengths, p.formats, 0)
        }
        guard sent == 1 else { throw connectionError(sql: sql) }
        // Single-row mode: libpq hands over one row at a time instead of buffering the whole
        // result, so memory is bounded by our batch.
        PQsetSingleRowMode(handle)
        let size = max(1, batchSize)
        var batch: [[SQLValue]] = []
        batch.reserveCapacity(size)
        var decoder: PostgresResultDecoder?
        var failure: (any Error)?
        while let result = PQgetResult(handle) {
            defer { PQclear(result) }
            if failure != nil { continue }  // drain what is left after an error
            switch PQresultStatus(result) {
            case PGRES_SINGLE_TUPLE:
                if decoder == nil { decoder = PostgresResultDecoder(result) }
                batch.append(decoder!.values(row: 0, in: result))
                if batch.count == size {
                    do {
                        try body(RowBatch(columns: decoder!.columns, rows: batch))
                    } catch {
                        failure = error
                        cancelRunningQuery()
                    }
                    batch.removeAll(keepingCapacity: true)
                }
            case PGRES_TUPLES_OK, PGRES_COMMAND_OK:
                break
            default:
                failure = resultError(result, sql: sql)
            }
        }
        if let failure { throw failure }
        if !batch.isEmpty, let decoder { try body(RowBatch(columns: decoder.columns, rows: batch)) }
    }

    func executeScript(_ sql: String) throws {
        guard let result = PQexec(handle, sql) else { throw connectionError(sql: sql) }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else { throw resultError(result, sql: sql) }
    }

    @discardableResult
    func bulkInsert(into table: SQLIdentifier, columns: [SQLIdentifier], _ produce: (any BulkInsertSink) throws -> Void)
        throws -> Int
    {
        try copy(into: table, columns: columns, binary: nil, produce)
    }

    /// Binary COPY: the columns were created with exactly these types.
    @discardableResult
    func bulkInsert(
        into table: SQLIdentifier, columns: [SQLIdentifier], exactTypes: [CopyColumnType],
        _ produce: (any BulkInsertSink) throws -> Void
    ) throws -> Int {
        guard exactTypes.count == columns.count else {
            throw DatabaseError.misuse("\(exactTypes.count) types for \(columns.count) columns")
        }
        return try copy(into: table, columns: columns, binary: exactTypes, produce)
    }

    private func copy(
        into table: SQLIdentifier, columns: [SQLIdentifier], binary types: [CopyColumnType]?,
        _ produce: (any BulkInsertSink) throws -> Void
    ) throws -> Int {
        guard isInTransaction else {
            return try transaction { _ in try copy(into: table, columns: columns, binary: types, produce) }
        }
        let format = types == nil ? "" : " (FORMAT binary)"
        let sql = "COPY \(table.quoted) (\(columns.map(\.quoted).joined(separator: ", "))) FROM STDIN\(format)"
        guard let start = PQexec(handle, sql) else { throw connectionError(sql: sql) }
        let startStatus = PQresultStatus(start)
        if startStatus != PGRES_COPY_IN {
            defer { PQclear(start) }
            throw resultError(start, sql: sql)
        }
        PQclear(start)
        let count: () -> Int
        do {
            if let types {
                let sink = PostgresBinaryCopySink(connection: self, types: types, sql: sql)
                try produce(sink)
                sink.finish()
                try sink.flush()
                count = { sink.count }
            } else {
                let sink = PostgresCopySink(connection: self, width: columns.count, sql: sql)
                try produce(sink)
                try sink.flush()
                count = { sink.count }
            }
        } catch {
            _ = PQputCopyEnd(handle, "aborted by modelserve: the load failed")
            drainResults()
            throw error
        }
        guard PQputCopyEnd(handle, nil) == 1 else { throw connectionError(sql: sql) }
        var failure: DatabaseError?
        while let result = PQgetResult(handle) {
            if PQresultStatus(result) != PGRES_COMMAND_OK && failure == nil { failure = resultError(result, sql: sql) }
            PQclear(result)
        }
        if let failure { throw failure }
        if !isHealthy { throw connectionError(sql: sql) }
        return count()
    }

    // MARK: Transactions

    func begin(readOnly: Bool) throws {
        guard !isInTransaction else { throw DatabaseError.nestedTransaction }
        try executeScript(readOnly ? "BEGIN READ ONLY" : "BEGIN")
        isInTransaction = true
    }

    func commit() throws {
        guard isInTransaction else { throw DatabaseError.misuse("COMMIT without an open transaction") }
        isInTransaction = false
        guard let result = PQexec(handle, "COMMIT") else { throw connectionError(sql: "COMMIT") }
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_COMMAND_OK else { throw resultError(result, sql: "COMMIT") }
        // COMMIT of a transaction that already failed "succeeds" with the tag ROLLBACK.
        if String(cString: PQcmdStatus(result)) == "ROLLBACK" {
            throw DatabaseError(
                .statement, message: "the transaction had failed and was rolled back instead of committed",
                sql: "COMMIT")
        }
    }

    func rollback() throws {
        guard isInTransaction else { throw DatabaseError.misuse("ROLLBACK without an open transaction") }
        isInTransaction = false
        try executeScript("ROLLBACK")
    }

    func lock(_ key: String) throws {
        guard isInTransaction else { throw DatabaseError.misuse("lock(\(key)) outside a transaction") }
        try execute("SELECT pg_advisory_xact_lock(hashtext(?))", [.text(key)])
    }

    // MARK: Schema

    func tableExists(_ table: SQLIdentifier) throws -> Bool {
        try queryFirst("SELECT to_regclass(?) IS NOT NULL", [.text(table.quoted)])?[0].bool == true
    }

    func tableColumns(_ table: SQLIdentifier) throws -> [String] {
        try query(
            """
            SELECT attname::text FROM pg_catalog.pg_attribute
            WHERE attrelid = to_regclass(?) AND attnum > 0 AND NOT attisdropped ORDER BY attnum
            """, [.text(table.quoted)]
        ).compactMap { $0[0].string }
    }

    func isIndexed(_ table: SQLIdentifier, column: String) throws -> Bool {
        try queryFirst(
            """
            SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_index i JOIN pg_catalog.pg_attribute a
                               ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                           WHERE i.indrelid = to_regclass(?) AND a.attname = ?)
            """, [.text(table.quoted), .text(column)]
        )?[0].bool == true
    }

    // MARK: Helpers

    /// Runs a statement with parameters and returns its result, which the caller clears.
    private func run(_ sql: String, _ parameters: [SQLValue]) throws -> OpaquePointer {
        let (rewritten, placeholders) = PlaceholderRewriter.postgres(sql)
        guard placeholders == parameters.count || (placeholders == 0 && sql.contains("$")) else {
            throw DatabaseError(
                .misuse,
                message: "statement has \(placeholders) placeholders but \(parameters.count) values were given",
                sql: sql)
        }
        let result = PostgresParameters(parameters).withPointers { p in
            PQexecParams(handle, rewritten, p.count, p.types, p.values, p.lengths, p.formats, 0)
        }
        guard let result else { throw connectionError(sql: sql) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            defer { PQclear(result) }
            throw resultError(result, sql: sql)
        }
        return result
    }

    func resultError(_ result: OpaquePointer, sql: String) -> DatabaseError {
        // The PG_DIAG_* codes are char macros Swift does not import: 'C' SQLSTATE,
        // 'M' message, 'D' detail, 'H' hint, 'W' context.
        func field(_ code: Unicode.Scalar) -> String? {
            PQresultErrorField(result, Int32(code.value)).map { String(cString: $0) }
        }
        let state = field("C")
        var message = field("M") ?? Self.trim(String(cString: PQresultErrorMessage(result)))
        if message.isEmpty { message = Self.trim(String(cString: PQerrorMessage(handle))) }
        // Integrity errors put the offending row's values in DETAIL ("Key (v)=(...) already
        // exists"), and COPY's context ends with the field's value: bound values must not
        // reach messages, so those parts are left out and the constraint is named instead.
        if state?.hasPrefix("23") == true {
            if let constraint = field("n") { message += " (constraint \(constraint))" }
        } else if let detail = field("D") {
            message += " (\(detail))"
        }
        if let hint = field("H") { message += "; hint: \(hint)" }
        if let context = field("W"), context.hasPrefix("COPY") {
            message += "; at " + (context.range(of: ": \"").map { String(context[..<$0.lowerBound]) } ?? context)
        }
        let kind: DatabaseError.Kind
        if !isHealthy || state?.hasPrefix("08") == true || state?.hasPrefix("57P") == true {
            kind = .connection
        } else if state?.hasPrefix("23") == true {
            kind = .constraint
        } else {
            kind = .statement
        }
        return DatabaseError(kind, code: state, message: message, sql: sql)
    }

    func connectionError(sql: String?) -> DatabaseError {
        let message = Self.trim(String(cString: PQerrorMessage(handle)))
        return DatabaseError(
            isHealthy ? .statement : .connection,
            message: message.isEmpty ? "the connection to Postgres was lost" : message, sql: sql)
    }

    private func cancelRunningQuery() {
        guard let cancel = PQgetCancel(handle) else { return }
        var buffer = [CChar](repeating: 0, count: 256)
        _ = PQcancel(cancel, &buffer, Int32(buffer.count))
        PQfreeCancel(cancel)
    }

    /// Sends a COPY sink's buffered bytes and empties the buffer.
    func putCopyData(_ buffer: inout [UInt8], sql: String) throws {
        try buffer.withUnsafeBytes { try putCopyData($0, sql: sql) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Sends COPY data (a chunk of whole or partial rows).
    func putCopyData(_ bytes: UnsafeRawBufferPointer, sql: String) throws {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        let rc = PQputCopyData(handle, base.assumingMemoryBound(to: CChar.self), Int32(bytes.count))
        guard rc == 1 else { throw connectionError(sql: sql) }
    }

    private func drainResults() {
        while let result = PQgetResult(handle) { PQclear(result) }
    }

    static func trim(_ s: String) -> String {
        s.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Rows for `COPY ... FROM STDIN` in text format, buffered and sent in large chunks.
final class PostgresCopySink: BulkInsertSink {
    private unowned let connection: PostgresConnection
    let width: Int
    private let sql: String
    var buffer: [UInt8] = []
    var count = 0
    static let flushThreshold = 256 * 1024

    init(connection: PostgresConnection, width: Int, sql: String) {
        self.connection = connection
        self.width = width
        self.sql = sql
        buffer.reserveCapacity(Self.flushThreshold + 4096)
    }

    func append(_ row: [SQLValue]) throws {
        guard row.count == width else {
            throw DatabaseError.misuse("bulk insert row has \(row.count) values for \(width) columns")
        }
        for (i, value) in row.enumerated() {
            if i > 0 { buffer.append(UInt8(ascii: "\t")) }
            PostgresText.appendCopyField(value, to: &buffer)
        }
        buffer.append(UInt8(ascii: "\n"))
        count += 1
        if buffer.count >= Self.flushThreshold { try flush() }
    }

    func flush() throws {
        try connection.putCopyData(&buffer, sql: sql)
    }
}
