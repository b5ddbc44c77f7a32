import ArgumentParser
import Foundation
import Registry
import Storage

/// `modelserve load FILE --table NAME`: a CSV or Parquet file into a table, all or nothing.
struct Load: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load a CSV or Parquet file into a table, all or nothing.",
        discussion: """
            The format is read from the file's first bytes (Parquet starts with PAR1), whatever its \
            name (.parquet, .parquet.gzip, .csv ...). CSV: RFC 4180 with a header line; column types \
            (integer, double, boolean, timestamp, text) are inferred from every value; empty fields \
            load as NULL. Parquet: the types come from the file's schema (snappy, gzip, zstd or no \
            compression; v1 and v2 pages; flat columns); a pandas index column is skipped unless \
            --keep-index. The table is created \
            if missing. An existing table needs --append (add the rows; its columns must include the \
            file's) or --replace (drop and recreate it, in the same transaction). A bad row anywhere \
            leaves the database as it was, and the error names the line and column (for Parquet: \
            the row group, column and page).
            """
    )

    @Argument(help: "The CSV or Parquet file to load.")
    var file: String

    @Option(help: "The table to load into (letters, digits, underscores).")
    var table: String

    @Flag(help: "Drop and recreate the table from the file, in the same transaction as the load.")
    var replace = false

    @Flag(help: "Add the rows to the existing table.")
    var append = false

    @Flag(help: "Parquet: keep the index column pandas writes (__index_level_0__).")
    var keepIndex = false

    @Option(
        help: "Index this column once loaded (repeat for more): a key a table is read by, such as serve --data-table's."
    )
    var index: [String] = []

    @Flag(help: "Read and check the whole file as a load would, and write nothing (no database needed).")
    var dryRun = false

    @OptionGroup var options: DatabaseOptions

    func validate() throws {
        if replace && append { throw ValidationError("--replace and --append exclude each other; choose one") }
    }

    func run() throws {
        try Console.run {
            if dryRun {
                let started = Date()
                let loader = TableLoaders.loader(path: file, table: table, options: LoadOptions(keepIndex: keepIndex))
                let (columns, rows) = try loader.check()
                let seconds = Date().timeIntervalSince(started)
                Console.out(
                    "\(file) reads as \(rows.formatted()) rows "
                        + "(\(columns.map { "\($0.name) \($0.type.rawValue)" }.joined(separator: ", "))) "
                        + "in \(String(format: "%.2f", seconds)) s; nothing written")
                return
            }
            let database = try options.open(maxConnections: 1)
            defer { database.close() }
            let progress = ProgressLine()
            let mode: LoadMode = replace ? .replace : append ? .append : .create
            let options = LoadOptions(
                mode: mode, protectedTables: ModelRegistry.tables, keepIndex: keepIndex, indexes: index)
            let loader = TableLoaders.loader(path: file, table: table, options: options)
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
