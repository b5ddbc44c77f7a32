import ArgumentParser
import Foundation
import Registry
import Storage

/// `modelserve load FILE.csv --table NAME`: a CSV file into a table, all or nothing.
struct Load: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load a CSV file into a table, all or nothing.",
        discussion: """
            RFC 4180 CSV with a header line. Column types (integer, double, boolean, timestamp, \
            text) are inferred from every value; empty fields load as NULL. The table is created \
            if missing. An existing table needs --append (add the rows; its columns must include the \
            file's) or --replace (drop and recreate it, in the same transaction). A bad row anywhere \
            leaves the database as it was, and the error names the line and column.
            """
    )

    @Argument(help: "The CSV file to load.")
    var file: String

    @Option(help: "The table to load into (letters, digits, underscores).")
    var table: String

    @Flag(help: "Drop and recreate the table from the file, in the same transaction as the load.")
    var replace = false

    @Flag(help: "Add the rows to the existing table.")
    var append = false

    @OptionGroup var options: DatabaseOptions

    func validate() throws {
        if replace && append { throw ValidationError("--replace and --append exclude each other; choose one") }
    }

    func run() throws {
        try Console.run {
            let database = try options.open(maxConnections: 1)
            defer { database.close() }
            let progress = ProgressLine()
            let mode: LoadMode = replace ? .replace : append ? .append : .create
            let loader = CSVLoader(path: file, table: table, mode: mode, protectedTables: ModelRegistry.tables)
            let summary = try loader.load(into: database) { rows in
                progress.update("loading \(file): \(rows.formatted()) rows")
            }
            progress.finish()
            for (from, to) in summary.renamed { Console.err("note: column '\(from)' loaded as '\(to)'") }
            let action = summary.replaced ? "replaced" : summary.created ? "created" : "appended to"
            let rate = summary.seconds > 0 ? Int(Double(summary.rows) / summary.seconds) : summary.rows
            Console.out(
                "loaded \(summary.rows.formatted()) rows into \(summary.table) (\(action); "
                    + "\(summary.columns.map { "\($0.name) \($0.type.rawValue)" }.joined(separator: ", "))) "
                    + "in \(String(format: "%.2f", summary.seconds)) s, \(rate.formatted()) rows/s")
        }
    }
}
