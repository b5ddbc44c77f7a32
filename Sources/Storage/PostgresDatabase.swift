/// A Postgres server used from several threads through a small bounded pool of libpq
/// connections; broken connections are dropped and replaced on the next borrow.
public final class PostgresDatabase: Database {
    public let dialect = SQLDialect.postgres
    public let configuration: PostgresConfiguration
    private let pool: ConnectionPool

    public init(_ configuration: PostgresConfiguration, maxConnections: Int = 4) throws {
        self.configuration = configuration
        pool = ConnectionPool(maxConnections: maxConnections) { try PostgresConnection(configuration) }
        // Connect once now so that an unreachable server or a wrong password fails here.
        try pool.withConnection { _ in }
    }

    public var displayURL: String { configuration.description }

    public func withConnection<T>(_ body: (any Connection) throws -> T) throws -> T {
        try pool.withConnection(body)
    }

    public func withReadOnlyConnection<T>(timeout: Double, _ body: (any Connection) throws -> T) throws -> T {
        try pool.withConnection { connection in
            try connection.transaction(readOnly: true) { connection in
                // A number we format, not user text.
                try connection.execute("SET LOCAL statement_timeout = \(max(1, Int(timeout * 1000)))", [])
                return try body(connection)
            }
        }
    }

    public func close() {
        pool.close()
    }
}
