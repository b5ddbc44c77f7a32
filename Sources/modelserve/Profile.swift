import API
import ArgumentParser
import Foundation
import Learning
import Registry

/// `modelserve profile`: what a query's rows look like before a model sees them.
struct Profile: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Profile a query's rows: per-column figures, duplicates, correlations and suspicious values.",
        discussion: """
            Reads the query once (one read-only SELECT, memory bounded whatever the row count) and reports per column \
            its type, nulls, distinct values, mean, sd, quantiles and histogram or top levels; for the result its \
            duplicate rows, Pearson and Spearman correlations, Cramér's V, each column's association with --target, \
            and suspicious values with the rule that found them (sentinels such as -1, isolated zeros, stray \
            negatives, linked columns that disagree, duplicates, constants, ids). Training runs the same profile on \
            its rows; a spec's on_suspicious: fail | warn | drop says what to do with what it finds.
            """)

    @Option(help: "The SQL to profile: one SELECT.") var query: String
    @Option(help: "A column to relate every other column to.") var target: String?
    @Flag(help: "The profile as JSON instead of text.") var json = false
    @Option(help: "Also write the profile as an HTML page (charts included) to this file.") var html: String?
    @Flag(help: "Store the profile in the registry (GET /profiles/{id} shows it).") var save = false
    @Option(help: "Seconds the query may run.") var timeout: Double = 300
    @OptionGroup var options: DatabaseOptions

    func run() throws {
        try Console.run {
            let database = try save ? options.openRegistry(maxConnections: 1) : options.open(maxConnections: 1)
            defer { database.close() }
            let source = try options.openTrainingSource()
            defer { source?.close() }
            var reported = Date()
            let profile = try QueryProfiler.profile(
                source ?? database, query: query, target: target, timeout: timeout
            ) { rows in
                if Date().timeIntervalSince(reported) > 2 {
                    Console.err("read \(rows.formatted()) rows")
                    reported = Date()
                }
            }
            var id: Int64?
            if save {
                id = try DataProfiles(database).save(.init(query: query, target: profile.target, profile: profile))
            }
            if let html {
                let page = ProfilePage.html(
                    profile: try ModelDocuments.json(profile), title: "Profile of a query", query: query)
                try page.write(toFile: html, atomically: true, encoding: .utf8)
            }
            if json {
                Console.out(try ModelDocuments.json(profile, pretty: true))
            } else {
                Console.out(ProfileReport.text(profile))
            }
            if let id { Console.err("saved as profile \(id)") }
            if let html { Console.err("wrote \(html)") }
        }
    }
}
