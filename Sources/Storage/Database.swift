/// Which SQL dialect a database speaks; the few places where SQL differs switch on it.
public enum SQLDialect: String, Sendable {
    case sqlite
    case postgres
}

/// One open connection to a database. Not thread-safe: a connection is used by one thread
/// at a time, which the owning `Database` (a pool) guarantees.
///
/// SQL uses `?` placeholders on every driver; values are always bound, never spliced in.
public protocol Connection: AnyObject {
    var dialect: SQLDialect { get }

    /// Runs one statement and returns the number of rows it changed.
    @discardableResult
    func execute(_ sql: String, _ parameters: [SQLValue]) throws -> Int

    /// Runs one statement and returns all of its rows.
    func query(_ sql: String, _ parameters: [SQLValue]) throws -> [Row]

    /// Runs one query and hands its rows to `body` in batches of at most `batchSize`, so that
    /// memory is bounded by the batch whatever the size of the result.
    func stream(_ sql: String, _ parameters: [SQLValue], batchSize: Int, _ body: (RowBatch) throws -> Void) throws

    /// Runs several statements without parameters (a migration file).
    func executeScript(_ sql: String) throws

    /// Inserts many rows fast: `COPY ... FROM STDIN` on Postgres, one prepared insert on
    /// SQLite. Returns the number of rows written. Run it inside a transaction to make it
    /// all-or-nothing; outside one, it opens its own.
    @discardableResult
    func bulkInsert(into table: SQLIdentifier, columns: [SQLIdentifier], _ produce: (any BulkInsertSink) throws -> Void)
        throws -> Int

    /// The same, for columns the caller knows are exactly of `exactTypes` (it created them,
    /// or they are its own table's), so the driver may send values in a binary form
    /// (Postgres' binary COPY). The rows must be of those types.
    @discardableResult
    func bulkInsert(
        into table: SQLIdentifier, columns: [SQLIdentifier], exactTypes: [CopyColumnType],
        _ produce: (any BulkInsertSink) throws -> Void
    ) throws -> Int

    /// Makes sure these statements are prepared and kept for reuse on this connection, where
    /// the driver keeps prepared statements (SQLite); a writer that repeats a few statements
    /// then never pays their preparation in the middle of its work. Others do nothing.
    func keepPrepared(_ statements: [String]) throws

    /// Whether a transaction is open on this connection.
    var isInTransaction: Bool { get }

    /// Whether the connection can still be used; a broken one is dropped by the pool.
    var isHealthy: Bool { get }

    func begin(readOnly: Bool) throws
    func commit() throws
    func rollback() throws

    /// Serialises writers that share `key` until the transaction ends (Postgres: an advisory
    /// lock; SQLite: already so, since a write transaction holds the database's write lock).
    func lock(_ key: String) throws

    /// Whether a table (or view) of this name exists.
    func tableExists(_ table: SQLIdentifier) throws -> Bool

    /// The column names of an existing table, in order.
    func tableColumns(_ table: SQLIdentifier) throws -> [String]

    /// Whether some index (or the primary key) leads with this column, so reading the table
    /// in its order, or from a value of it on, is a seek rather than a scan.
    func isIndexed(_ table: SQLIdentifier, column: String) throws -> Bool
}

/// Receives rows for a bulk insert, one at a time, values in the order of its columns.
public protocol BulkInsertSink {
    func append(_ row: [SQLValue]) throws
    /// Rows column by column, which each driver writes in its own form (COPY text or binary,
    /// typed binds). A literal that does not read as its type is a `BadLiteral`.
    func append(_ batch: ColumnBatch) throws
}

extension Connection {
    /// Drivers that keep no statements prepared have nothing to do.
    public func keepPrepared(_ statements: [String]) throws {}

    /// Drivers without a binary form use their usual bulk insert.
    @discardableResult
    public func bulkInsert(
        into table: SQLIdentifier, columns: [SQLIdentifier], exactTypes: [CopyColumnType],
        _ produce: (any BulkInsertSink) throws -> Void
    ) throws -> Int {
        try bulkInsert(into: table, columns: columns, produce)
    }

    /// For columns made with `CSVColumnType.sqlType` (a table just created from a file).
    @discardableResult
    public func bulkInsert(
        into table: SQLIdentifier, columns: [SQLIdentifier], exactTypes: [CSVColumnType],
        _ produce: (any BulkInsertSink) throws -> Void
    ) throws -> Int {
        try bulkInsert(into: table, columns: columns, exactTypes: exactTypes.map(CopyColumnType.init), produce)
    }

    /// Runs `body` in a transaction: committed if it returns, rolled back if it throws.
    /// A transaction inside a transaction is refused rather than silently flattened.
    @discardableResult
    public func transaction<T>(readOnly: Bool = false, _ body: (any Connection) throws -> T) throws -> T {
        guard !isInTransaction else { throw DatabaseError.nestedTransaction }
        try begin(readOnly: readOnly)
        let result: T
        do {
            result = try body(self)
        } catch {
            if isInTransaction { try? rollback() }
            throw error
        }
        try commit()
        return result
    }

    /// The first row of a query, if any.
    public func queryFirst(_ sql: String, _ parameters: [SQLValue] = []) throws -> Row? {
        try query(sql, parameters).first
    }
}

/// A database: thread-safe, hands out connections. Both drivers pool their connections.
public protocol Database: Sendable {
    var dialect: SQLDialect { get }

    /// The URL with any password masked, for messages.
    var displayURL: String { get }

    /// Borrows a connection for the duration of `body`.
    func withConnection<T>(_ body: (any Connection) throws -> T) throws -> T

    /// Runs `body` on a connection that can only read, inside a read-only transaction whose
    /// statements are cancelled after `timeout` seconds: for SQL that a user wrote (training
    /// queries). SQLite opens a fresh read-only connection that refuses ATTACH, PRAGMA and
    /// every write through an authorizer (nothing is left behind on a pooled connection);
    /// Postgres uses `READ ONLY` and `statement_timeout`.
    func withReadOnlyConnection<T>(timeout: Double, _ body: (any Connection) throws -> T) throws -> T

    /// Closes idle connections; connections in use close when returned.
    func close()
}

extension Database {
    @discardableResult
    public func execute(_ sql: String, _ parameters: [SQLValue] = []) throws -> Int {
        try withConnection { try $0.execute(sql, parameters) }
    }

    public func query(_ sql: String, _ parameters: [SQLValue] = []) throws -> [Row] {
        try withConnection { try $0.query(sql, parameters) }
    }

    @discardableResult
    public func transaction<T>(readOnly: Bool = false, _ body: (any Connection) throws -> T) throws -> T {
        try withConnection { try $0.transaction(readOnly: readOnly, body) }
    }

    public func stream(
        _ sql: String, _ parameters: [SQLValue] = [], batchSize: Int = 10_000, _ body: (RowBatch) throws -> Void
    ) throws {
        try withConnection { try $0.stream(sql, parameters, batchSize: batchSize, body) }
    }
}

/// Opens the database a URL names: a Postgres pool or a SQLite file (created if missing).
public func openDatabase(_ url: DatabaseURL, maxConnections: Int = 4) throws -> any Database {
    switch url {
    case .sqlite(let path): try SQLiteDatabase(path: path, maxConnections: maxConnections)
    case .postgres(let config): try PostgresDatabase(config, maxConnections: maxConnections)
    }
}

/// Opens the database named by a URL string.
public func openDatabase(_ url: String, maxConnections: Int = 4) throws -> any Database {
    try openDatabase(DatabaseURL(parsing: url), maxConnections: maxConnections)
}
