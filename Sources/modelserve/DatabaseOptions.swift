import ArgumentParser
import Foundation
import Registry
import Storage

/// `--database`, shared by every subcommand; falls back to `DATABASE_URL`, then the default
/// SQLite file.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Database URL: postgres://user:pass@host:5432/db or sqlite:path/file.sqlite.",
            discussion: "Defaults to $DATABASE_URL, then \(DatabaseURL.defaultURL).", valueName: "url"))
    var database: String?

    /// The URL text in force, from the option, the environment or the default.
    var urlText: String {
        database ?? ProcessInfo.processInfo.environment["DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
            ?? DatabaseURL.defaultURL
    }

    func validate() throws {
        do {
            _ = try DatabaseURL(parsing: urlText)
        } catch let error as DatabaseError {
            throw ValidationError(error.message)
        }
    }

    func open(maxConnections: Int = 4) throws -> any Database {
        try openDatabase(DatabaseURL(parsing: urlText), maxConnections: maxConnections)
    }

    /// Opens the database with the registry schema applied (migrating if needed: the
    /// schema is modelserve's own tables only).
    func openRegistry(maxConnections: Int = 4) throws -> any Database {
        let database = try open(maxConnections: maxConnections)
        do {
            try Migrator(for: database).migrate(database)
        } catch {
            database.close()
            throw error
        }
        return database
    }

    /// Runs a registry command: errors reported by `Console.run`, the database closed after.
    func withRegistry(_ body: (ModelRegistry) throws -> Void) throws {
        try Console.run {
            let database = try openRegistry(maxConnections: 1)
            defer { database.close() }
            try body(ModelRegistry(database))
        }
    }
}
