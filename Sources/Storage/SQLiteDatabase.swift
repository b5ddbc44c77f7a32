/// A SQLite file used from several threads: a small pool of connections in WAL mode, so
/// readers never block on the writer and writers queue on the busy timeout.
public final class SQLiteDatabase: Database {
    public let dialect = SQLDialect.sqlite
    public let path: String
    private let pool: ConnectionPool
    /// Write-ahead-log checkpoints off the committing connections' threads.
    private let checkpointer: SQLiteCheckpointer

    public init(path: String, maxConnections: Int = 4) throws {
        self.path = path
        let checkpointer = SQLiteCheckpointer(path: path)
        self.checkpointer = checkpointer
        pool = ConnectionPool(maxConnections: maxConnections) {
            try SQLiteConnection(path: path, checkpointer: checkpointer)
        }
        // Open one connection now so that a bad path fails here, with its name.
        try pool.withConnection { _ in }
    }

    public var displayURL: String { "sqlite:\(path)" }

    public func withConnection<T>(_ body: (any Connection) throws -> T) throws -> T {
        try pool.withConnection(body)
    }

    public func withReadOnlyConnection<T>(timeout: Double, _ body: (any Connection) throws -> T) throws -> T {
        let connection = try SQLiteConnection(path: path, readOnly: true)
        try connection.executeScript("BEGIN DEFERRED;")
        connection.restrict(seconds: timeout)
        defer {
            connection.unrestrict()
            try? connection.executeScript("ROLLBACK;")
        }
        do {
            return try body(connection)
        } catch let error as DatabaseError where connection.timedOut {
            throw DatabaseError(
                .statement, code: error.code, message: "the query ran longer than \(timeout) s and was stopped")
        }
    }

    public func close() {
        pool.close()
        checkpointer.stop()
    }

    deinit {
        checkpointer.stop()
    }

    /// The background checkpointer, for tests.
    var walCheckpointer: SQLiteCheckpointer { checkpointer }
}
