import Foundation

/// Applies pending migrations, each once, each in its own transaction together with the
/// row that records it, so a failed migration leaves neither its changes nor its record.
public struct Migrator: Sendable {
    /// The table that records applied migrations (no load may write it).
    public static let table = "schema_migrations"

    public let migrations: [Migration]

    public init(migrations: [Migration]) {
        self.migrations = migrations
    }

    /// The migrations bundled in the binary for this database's dialect.
    public init(for database: any Database) throws {
        self.init(migrations: try Migration.bundled(for: database.dialect))
    }

    /// What happened to each migration on a run.
    public struct Outcome: Sendable, Equatable {
        public var applied: [String] = []
        public var alreadyApplied: [String] = []
    }

    /// Applies every pending migration. Safe to run again (it does nothing) and from two
    /// processes at once (Postgres: an advisory lock; SQLite: the write lock of BEGIN IMMEDIATE).
    @discardableResult
    public func migrate(_ database: any Database, progress: (String) -> Void = { _ in }) throws -> Outcome {
        try createLedger(database)
        var outcome = Outcome()
        for migration in migrations {
            let applied = try database.transaction { connection -> Bool in
                try connection.lock("modelserve.migrations")
                if let recorded = try connection.queryFirst(
                    "SELECT checksum FROM schema_migrations WHERE name = ?", [.text(migration.name)])
                {
                    try check(migration, recordedChecksum: recorded[0].string ?? "")
                    return false
                }
                do {
                    try connection.executeScript(migration.sql)
                } catch let error as DatabaseError {
                    throw DatabaseError(
                        .migration, code: error.code,
                        message: "migration \(migration.name) failed: \(error.message)", sql: error.sql)
                }
                try connection.execute(
                    "INSERT INTO schema_migrations (name, checksum, applied_at) VALUES (?, ?, ?)",
                    [.text(migration.name), .text(migration.checksum), .timestamp(Date())])
                return true
            }
            if applied {
                outcome.applied.append(migration.name)
                progress("applied \(migration.name)")
            } else {
                outcome.alreadyApplied.append(migration.name)
            }
        }
        let known = Set(migrations.map(\.name))
        let unknown = try database.query("SELECT name FROM schema_migrations ORDER BY name").compactMap { $0[0].string }
            .filter { !known.contains($0) }
        if !unknown.isEmpty {
            throw DatabaseError(
                .migration,
                message:
                    "the database has migrations this binary does not know (\(unknown.joined(separator: ", "))): it was migrated by a newer modelserve"
            )
        }
        return outcome
    }

    /// Names of migrations not yet applied; checks the checksums of those that were.
    public func pending(_ database: any Database) throws -> [String] {
        try createLedger(database)
        let recorded = Dictionary(
            try database.query("SELECT name, checksum FROM schema_migrations").map {
                ($0[0].string ?? "", $0[1].string ?? "")
            }, uniquingKeysWith: { a, _ in a })
        var pending: [String] = []
        for migration in migrations {
            if let checksum = recorded[migration.name] {
                try check(migration, recordedChecksum: checksum)
            } else {
                pending.append(migration.name)
            }
        }
        return pending
    }

    private func check(_ migration: Migration, recordedChecksum: String) throws {
        guard recordedChecksum == migration.checksum else {
            throw DatabaseError(
                .migration,
                message: """
                    migration \(migration.name) was changed after it was applied (checksum \
                    \(recordedChecksum.prefix(12)) in the database, \(migration.checksum.prefix(12)) now); \
                    never edit an applied migration, add a new one instead
                    """)
        }
    }

    private func createLedger(_ database: any Database) throws {
        let timestampType = database.dialect == .postgres ? "TIMESTAMPTZ" : "TIMESTAMP"
        try database.transaction { connection in
            // Two first runs at once would both try to create the table.
            try connection.lock("modelserve.migrations")
            try connection.executeScript(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    name TEXT PRIMARY KEY,
                    checksum TEXT NOT NULL,
                    applied_at \(timestampType) NOT NULL
                )
                """)
        }
    }
}
