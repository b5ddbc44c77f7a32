import ArgumentParser
import Foundation
import Registry

/// `modelserve generate DATASET --out DIR`: seeded demo CSVs.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a seeded demo data set as CSV files.",
        discussion: """
            click: leads.csv, offers.csv, clicks.csv (loan offers and which were clicked, ~2%); \
            promotion: promotion.csv (Berkson's paradox); diamonds: diamonds.csv (prices shaped as the public diamonds data). \
            The same seed always writes the same files.
            """
    )

    @Argument(help: "The data set: \(DemoData.Dataset.allCases.map(\.rawValue).joined(separator: ", ")).")
    var dataset: String

    @Option(help: "The folder to write into (created if missing).")
    var out: String

    @Option(help: "Rows (leads for click).")
    var rows: Int?

    @Option(help: "Random seed.")
    var seed: UInt64 = 20_261_122

    func validate() throws {
        guard DemoData.Dataset(rawValue: dataset) != nil else {
            throw ValidationError(
                "unknown data set '\(dataset)'; choose one of \(DemoData.Dataset.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        if let rows, rows < 1 { throw ValidationError("--rows must be at least 1") }
    }

    func run() throws {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        for table in DemoData.generate(DemoData.Dataset(rawValue: dataset)!, rows: rows, seed: seed) {
            let path = (out as NSString).appendingPathComponent("\(table.name).csv")
            try table.csv.write(toFile: path, atomically: true, encoding: .utf8)
            Console.out("wrote \(path) (\(table.rows.count.formatted()) rows)")
        }
    }
}
