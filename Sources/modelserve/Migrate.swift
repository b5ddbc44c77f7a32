import ArgumentParser
import Storage

/// `modelserve migrate`: create or upgrade the schema.
struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create or upgrade the database schema.",
        discussion: """
            Applies each pending migration once, in its own transaction, and records it in \
            schema_migrations. Running it again does nothing. A migration that changed after it \
            was applied is an error.
            """
    )

    @OptionGroup var options: DatabaseOptions

    @Flag(help: "List pending migrations without applying them.")
    var dryRun = false

    func run() throws {
        try Console.run {
            let database = try options.open(maxConnections: 1)
            defer { database.close() }
            let migrator = try Migrator(for: database)
            if dryRun {
                let pending = try migrator.pending(database)
                Console.out(pending.isEmpty ? "up to date" : "pending: " + pending.joined(separator: ", "))
                return
            }
            let outcome = try migrator.migrate(database) { Console.out($0) }
            let total = outcome.applied.count + outcome.alreadyApplied.count
            Console.out(
                outcome.applied.isEmpty
                    ? "\(database.displayURL): up to date (\(total) migrations)"
                    : "\(database.displayURL): applied \(outcome.applied.count) of \(total) migrations")
        }
    }
}
