public import Storage
import Synchronization

/// A table served page by page in key order: the paginated data source that online ingest
/// reads (`serve --data-table`). The table and key are the operator's, checked once; a
/// request only chooses a page number. The key must be unique (a primary key) and the table
/// grow at the end: each full page's last key is remembered, so the page after it is read by
/// key (an index seek) instead of by an offset that would cost a scan of every row before.
public struct DataPages: Sendable {
    let database: any Database
    public let table: String
    public let key: String
    public let pageSize: Int
    private let sql: String
    private let afterSQL: String
    private let boundaries = Boundaries()
    /// Whether the key is indexed; if not every page is a scan of the table.
    public let keyIsIndexed: Bool

    /// Checks that the table exists and has the key column.
    public init(database: any Database, table: String, key: String = "id", pageSize: Int = 10) throws {
        let tableName = try SQLIdentifier(validating: table, what: "data table name")
        let keyName = try SQLIdentifier(validating: key, what: "data key column")
        guard (1...10_000).contains(pageSize) else {
            throw RegistryError(.badValue, "the data page size must be 1 to 10,000 rows, not \(pageSize)")
        }
        let found = try database.withConnection { connection -> (columns: [String], indexed: Bool)? in
            guard try connection.tableExists(tableName) else { return nil }
            return (
                try connection.tableColumns(tableName).map { $0.lowercased() },
                try connection.isIndexed(tableName, column: keyName.name)
            )
        }
        guard let (columns, indexed) = found else {
            throw RegistryError(.notFound, "no table \(tableName.name) to serve as data: load it first")
        }
        guard columns.contains(keyName.name) else {
            throw RegistryError(
                .missingColumn,
                "table \(tableName.name) has no column \(keyName.name) to page by; name one with --data-key")
        }
        self.database = database
        self.table = tableName.name
        self.key = keyName.name
        self.pageSize = pageSize
        keyIsIndexed = indexed
        sql = "SELECT * FROM \(tableName.quoted) ORDER BY \(keyName.quoted) LIMIT ? OFFSET ?"
        afterSQL = "SELECT * FROM \(tableName.quoted) WHERE \(keyName.quoted) > ? ORDER BY \(keyName.quoted) LIMIT ?"
    }

    /// The last key of each full page read so far, up to a bound.
    final class Boundaries: Sendable {
        static let limit = 2_000_000
        private let keys = Mutex<[Int: SQLValue]>([:])

        subscript(page: Int) -> SQLValue? { keys.withLock { $0[page] } }

        func note(_ key: SQLValue, page: Int) {
            keys.withLock { keys in
                if keys.count < Self.limit { keys[page] = key }
            }
        }
    }

    /// The largest page number asked for is bounded, so an offset cannot overflow.
    public static let maximumPage = 100_000_000

    /// Page `n` (from 0): up to `pageSize` rows; empty past the end.
    public func page(_ n: Int) throws -> [Row] {
        precondition(n >= 0 && n <= Self.maximumPage)
        let rows: [Row]
        if n > 0, let after = boundaries[n - 1] {
            rows = try database.query(afterSQL, [after, .integer(Int64(pageSize))])
        } else {
            rows = try database.query(sql, [.integer(Int64(pageSize)), .integer(Int64(n) * Int64(pageSize))])
        }
        if rows.count == pageSize, let last = rows.last?[key], !last.isNull {
            boundaries.note(last, page: n)
        }
        return rows
    }
}
