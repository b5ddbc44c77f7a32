import Foundation
import Learning
import Registry
import Storage
import TestSupport
import Testing

/// Loads a demo data set's tables into a migrated database of `backend`.
func withDataset<T>(
    _ dataset: DemoData.Dataset, rows: Int? = nil, _ backend: Backend = .sqlite,
    _ body: (any Database, ModelRegistry) throws -> T
) throws -> T {
    try TestDatabase.with(backend) { database, _ throws in
        try Migrator(for: database).migrate(database)
        let folder = URL(fileURLWithPath: temporaryPath())
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for table in DemoData.generate(dataset, rows: rows) {
            let path = folder.appendingPathComponent("\(table.name).csv").path
            try table.csv.write(toFile: path, atomically: true, encoding: .utf8)
            _ = try CSVLoader(path: path, table: table.name).load(into: database)
        }
        return try body(database, ModelRegistry(database))
    }
}

@Suite("Suspicious values")
struct SuspiciousValuesTests {
    typealias Planted = DemoData.PlantedFaults

    /// The rules find each planted fault of `diamonds-raw`, with its row count, and nothing
    /// else; on the clean diamonds they find nothing at all.
    @Test func plantedFaultsFoundCleanDataQuiet() throws {
        let raw = try withDataset(.diamondsRaw) { database, _ throws in
            try QueryProfiler.profile(database, query: "SELECT * FROM diamonds_raw", target: "price")
        }
        func finding(_ rule: Finding.Rule, _ columns: [String]) -> Finding? {
            raw.findings.first { $0.rule == rule && $0.columns == columns }
        }
        let sentinel = try #require(finding(.sentinel, ["price"]), "\(raw.findings.map(\.message))")
        #expect(sentinel.rows == Planted.sentinelPrices)
        #expect(sentinel.test == .equals(column: "price", value: -1))
        #expect(sentinel.message.hasPrefix("10 rows have price = -1, a value "), "\(sentinel.message)")
        #expect(finding(.isolatedZeros, ["x"])?.rows == Planted.zeroSizes)
        #expect(finding(.isolatedZeros, ["y"])?.rows == Planted.zeroSizes)
        #expect(finding(.isolatedZeros, ["z"])?.rows == Planted.zeroSizes + Planted.zeroDepths)
        #expect(finding(.duplicateRows, raw.columns.map(\.name))?.rows == Planted.duplicates)
        // The mistyped width disagrees with every size it is linked to, and only it does.
        let linked = raw.findings.filter { $0.rule == .linkedColumns }
        #expect(!linked.isEmpty)
        #expect(linked.allSatisfy { $0.columns.contains("y") && $0.rows == Planted.mistypedWidths }, "\(linked)")
        #expect(Set(linked.flatMap(\.columns)).isSuperset(of: ["x", "y"]))
        // The -1 prices are a sentinel, not also stray negatives.
        #expect(!raw.findings.contains { $0.rule == .strayNegatives })
        let explained = Set([Finding.Rule.sentinel, .isolatedZeros, .duplicateRows, .linkedColumns])
        #expect(raw.findings.allSatisfy { explained.contains($0.rule) }, "\(raw.findings.map(\.message))")

        let clean = try withDataset(.diamonds) { database, _ throws in
            try QueryProfiler.profile(database, query: "SELECT * FROM diamonds", target: "price")
        }
        #expect(clean.findings.isEmpty, "\(clean.findings.map(\.message))")
        #expect(clean.rows == 5_000)
    }

    /// Each rule on a small table of its own: a constant, an id, stray negatives.
    @Test func columnRules() throws {
        var profiler = DataProfiler(columns: ["id", "one", "amount", "code"])
        for i in 0..<500 {
            let amount: Double = i == 9 ? -3.5 : Double(10 + i % 37) + 0.25
            profiler.add([.integer(Int64(i)), .text("same"), .real(amount), .text("c\(i % 5)")])
        }
        let findings = profiler.finish().findings
        #expect(findings.map(\.rule).sorted { $0.rawValue < $1.rawValue } == [.constant, .identifier, .strayNegatives])
        #expect(findings.first { $0.rule == .identifier }?.columns == ["id"])
        #expect(findings.first { $0.rule == .constant }?.columns == ["one"])
        let negative = try #require(findings.first { $0.rule == .strayNegatives })
        #expect(negative.rows == 1 && negative.test == .negative(column: "amount"))
        #expect(negative.test!.matches { $0 == "amount" ? -3.5 : nil })
        #expect(!negative.test!.matches { $0 == "amount" ? 12 : nil })
    }

    /// Pairwise work costs the square of the column count: past the limit, no matrices and no
    /// linked-column check; at the limit, both.
    @Test func pairwiseWorkStopsAtTheColumnLimit() {
        func profile(columns: Int) -> DataProfile {
            var profiler = DataProfiler(columns: (0..<columns).map { "c\($0)" })
            for i in 1...60 {
                // Every column a multiple of the first, but row 7's second column is three times off.
                profiler.add((0..<columns).map { k in .real(Double(i) * Double(k + 1) * (i == 7 && k == 1 ? 3 : 1)) })
            }
            return profiler.finish()
        }
        let within = profile(columns: 60)
        #expect(within.pearson?.columns.count == 60)
        #expect(within.findings.contains { $0.rule == .linkedColumns && $0.columns == ["c0", "c1"] && $0.rows == 1 })
        let beyond = profile(columns: 61)
        #expect(beyond.pearson == nil && beyond.spearman == nil)
        #expect(!beyond.findings.contains { $0.rule == .linkedColumns })
    }
}
