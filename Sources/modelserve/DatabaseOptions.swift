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

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Where training queries run, if not the registry's database: a role that may only read the feature tables.",
            discussion: "Defaults to $MODELSERVE_TRAINING_DATABASE_URL, then --database.", valueName: "url"))
    var trainingDatabase: String?

    /// The training database's URL, if one is set apart from the registry's.
    var trainingURLText: String? {
        trainingDatabase
            ?? ProcessInfo.processInfo.environment["MODELSERVE_TRAINING_DATABASE_URL"].flatMap {
                $0.isEmpty ? nil : $0
            }
    }

    /// The database training queries read, if separate (closed by the caller).
    func openTrainingSource() throws -> (any Database)? {
        try trainingURLText.map { try openDatabase(DatabaseURL(parsing: $0), maxConnections: 2) }
    }

    /// The URL text in force, from the option, the environment or the default.
    var urlText: String {
        database ?? ProcessInfo.processInfo.environment["DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
            ?? DatabaseURL.defaultURL
    }

    func validate() throws {
        do {
            _ = try DatabaseURL(parsing: urlText)
            if let trainingURLText { _ = try DatabaseURL(parsing: trainingURLText) }
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
