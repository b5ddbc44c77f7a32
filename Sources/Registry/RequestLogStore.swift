public import Foundation
public import Storage

/// The `request_log` table: every request and its response. Owns the SQL (batched inserts
/// that skip ids already stored, reads for `/requests` and the dashboard, counts), so the
/// API's `RequestLog` is only a queue and a journal in front of it.
public struct RequestLogStore: Sendable {
    let database: any Database
    /// Rows per multi-row INSERT at most.
    let chunk: Int
    /// The statement texts a batch is cut into: `chunk` rows, then powers of two below it. A
    /// handful of fixed texts, which the driver keeps prepared, instead of one of each batch
    /// size (SQLite spent 40% of the writer's instructions re-parsing those).
    private let inserts: [(rows: Int, sql: String)]

    public init(_ database: any Database, chunk: Int = 100) {
        self.database = database
        self.chunk = max(1, chunk)
        var sizes = [self.chunk]
        var size = 1
        while size * 2 < self.chunk { size *= 2 }
        while size >= 1 {
            if size < self.chunk { sizes.append(size) }
            size /= 2
        }
        inserts = sizes.map { ($0, Self.insertSQL(rows: $0, dialect: database.dialect)) }
        insertTexts = inserts.map(\.sql)
    }

    /// The same texts, which every batch asks its connection to keep prepared: a batch of a
    /// size the connection had not seen yet paid up to ~600k instructions preparing it.
    private let insertTexts: [String]

    /// The columns the writer fills, in the order of `values(of:)`, with their exact types
    /// (the migrations' DDL), so Postgres takes them in binary COPY.
    static let typedColumns: [(name: String, type: CopyColumnType)] = [
        ("request_id", .text), ("received_at", .timestamp), ("method", .text), ("path", .text),
        ("status", .integer32), ("latency_us", .integer), ("model_id", .integer), ("request_body", .text),
        ("response_body", .text), ("client_address", .text), ("request_body_encoding", .text),
        ("response_body_encoding", .text),
    ]
    static let columns = typedColumns.map(\.name)

    /// Whether the database answers at all (the writer's probe while it is away).
    public var isReachable: Bool { (try? database.query("SELECT 1")) != nil }

    /// The normal path for a live batch: binary COPY on Postgres (no number, timestamp or
    /// escape formatted as text on our side or parsed on the server's); on SQLite multi-row
    /// INSERTs in one transaction, which measured faster there than stepping a prepared
    /// insert per row. A batch can only be stored twice if a commit's outcome was lost with
    /// the connection; such batches go to the journal, whose replay skips ids already present.
    public func insert(_ batch: [LogEntry]) throws {
        guard database.dialect == .postgres else { return try insertSkippingDuplicates(batch) }
        let columns = try Self.columns.map { try SQLIdentifier(validating: $0) }
        let types = Self.typedColumns.map(\.type)
        _ = try database.withConnection { connection in
            try connection.bulkInsert(
                into: SQLIdentifier(validating: "request_log"), columns: columns, exactTypes: types
            ) { sink in
                // One row array for the batch, overwritten in place: a fresh one a row was an
                // allocation, emptying and refilling it ~500 instructions.
                var row = [SQLValue](repeating: .null, count: Self.columns.count)
                try batch.withUnsafeBufferPointer { entries in
                    for i in entries.indices {
                        row.withUnsafeMutableBufferPointer { Self.fill($0, with: entries.baseAddress! + i) }
                        try sink.append(row)
                    }
                }
            }
        }
    }

    /// One transaction of multi-row inserts that skip request ids already stored: SQLite's
    /// path for live batches.
    func insertSkippingDuplicates(_ batch: [LogEntry]) throws {
        try database.transaction { connection in try insert(batch, on: connection) }
    }

    /// Stores the entries whose request ids are not in the table yet and returns them: the
    /// journal replay's path (a batch whose commit outcome was lost may be there already),
    /// so that what is counted from it (`RequestMinutes`) is counted once.
    public func insertNew(_ batch: [LogEntry]) throws -> [LogEntry] {
        try database.transaction { connection in
            var stored: Set<String> = []
            for start in stride(from: 0, to: batch.count, by: 500) {
                let ids = batch[start..<min(batch.count, start + 500)].map { SQLValue.text($0.requestID) }
                let marks = Array(repeating: "?", count: ids.count).joined(separator: ", ")
                for row in try connection.query(
                    "SELECT request_id FROM request_log WHERE request_id IN (\(marks))", ids)
                {
                    if let id = row[0].string { stored.insert(id) }
                }
            }
            var fresh: [LogEntry] = []
            for entry in batch where stored.insert(entry.requestID).inserted { fresh.append(entry) }
            try insert(fresh, on: connection)
            return fresh
        }
    }

    private func insert(_ batch: [LogEntry], on connection: any Connection) throws {
        // SQLite finds time windows through each minute's ids, noted as the rows go in.
        let before = database.dialect == .sqlite ? try Self.lastID(on: connection) : nil
        try connection.keepPrepared(insertTexts)
        var stored = 0
        var start = batch.startIndex
        while start < batch.endIndex {
            // The largest fixed size that fits what is left (1 always does).
            let (count, sql) = inserts.first { $0.rows <= batch.endIndex - start }!
            let width = Self.columns.count
            var values = [SQLValue](repeating: .null, count: count * width)
            // Through a buffer pointer: a for-in over the slice, or the array's subscript,
            // copied every entry (a retain and a release for each of its Strings and bodies).
            values.withUnsafeMutableBufferPointer { values in
                batch.withUnsafeBufferPointer { entries in
                    for k in 0..<count {
                        Self.fill(
                            UnsafeMutableBufferPointer(rebasing: values[k * width..<(k + 1) * width]),
                            with: entries.baseAddress! + start + k)
                    }
                }
            }
            start += count
            stored += try connection.execute(sql, values)
        }
        if let before, stored > 0 {
            try Self.noteMinutes(of: batch, ids: (before + 1)...(before + Int64(stored)), on: connection)
        }
    }

    /// Adds the minute figures counted from stored rows to `request_minutes`.
    public func flush(_ minutes: inout RequestMinutes) throws {
        try minutes.flush(to: database)
    }

    /// A request as stored, for reading back.
    public struct Stored: Sendable {
        public let requestID: String
        public let receivedAt: Date
        public let method: String
        public let path: String
        public let status: Int
        public let latencyMicros: Int64
        public let modelID: Int64?
        public let requestBody: String?
        public let responseBody: String?
        public let clientAddress: String?
    }

    /// The latest rows, newest first (one request's row when `requestID` is given).
    public func latest(limit: Int, requestID: String? = nil) throws -> [Stored] {
        var sql = """
            SELECT request_id, received_at, method, path, status, latency_us, model_id, request_body, response_body,
                   client_address FROM request_log
            """
        var parameters: [SQLValue] = []
        if let requestID {
            sql += " WHERE request_id = ?"
            parameters.append(.text(requestID))
        }
        sql += " ORDER BY id DESC LIMIT ?"
        parameters.append(.integer(Int64(max(0, limit))))
        return try database.query(sql, parameters).map { row in
            let id = row["request_id"].string ?? "NULL"
            let stored = StoredRow(row: row, table: "request_log", label: "request \(id)")
            return Stored(
                requestID: try stored.text("request_id"), receivedAt: try stored.date("received_at"),
                method: try stored.text("method"), path: try stored.text("path"),
                status: Int(try stored.int64("status")), latencyMicros: try stored.int64("latency_us"),
                modelID: row["model_id"].int64, requestBody: row["request_body"].string,
                responseBody: row["response_body"].string, clientAddress: row["client_address"].string)
        }
    }

    /// Rows in the table.
    public func count() throws -> Int {
        Int(try database.query("SELECT count(*) FROM request_log")[0][0].int64 ?? 0)
    }

    /// An entry's values in the order of `columns`, written over `row`'s (a batch's rows
    /// share one array), the entry read in place (passed borrowed, it was still copied).
    /// Bodies that are ASCII without NUL go as their own bytes, shared with the entry (see
    /// `StoredBody.values`).
    private static func fill(_ row: UnsafeMutableBufferPointer<SQLValue>, with entry: UnsafePointer<LogEntry>) {
        let request = StoredBody.values(entry.pointee.requestBody, max: entry.pointee.maxBody)
        let response = StoredBody.values(entry.pointee.responseBody, max: entry.pointee.maxBody)
        row[0] = .text(entry.pointee.requestID)
        row[1] = .timestamp(entry.pointee.receivedAt)
        row[2] = .text(entry.pointee.method)
        row[3] = .text(entry.pointee.path)
        row[4] = .integer(Int64(entry.pointee.status))
        row[5] = .integer(entry.pointee.latencyMicros)
        row[6] = entry.pointee.modelID.map(SQLValue.integer) ?? .null
        row[7] = request.text
        row[8] = response.text
        row[9] = .text(entry.pointee.clientAddress)
        row[10] = request.encoding
        row[11] = response.encoding
    }

    /// SQLite's request ids are a unique key, so a row already stored is skipped; Postgres'
    /// partitioned table cannot hold that key (`insertNew` checks first instead). A body
    /// bound as bytes would be stored by SQLite as a BLOB: its placeholder casts it to the
    /// text it is (the bytes unchanged, no copy).
    private static func insertSQL(rows: Int, dialect: SQLDialect) -> String {
        let marks = typedColumns.map { dialect == .sqlite && $0.name.hasSuffix("_body") ? "CAST(? AS TEXT)" : "?" }
        let row = "(" + marks.joined(separator: ", ") + ")"
        return """
            INSERT INTO request_log (\(columns.joined(separator: ", ")))
            VALUES \(Array(repeating: row, count: rows).joined(separator: ", "))
            """ + (dialect == .sqlite ? " ON CONFLICT (request_id) DO NOTHING" : "")
    }
}
