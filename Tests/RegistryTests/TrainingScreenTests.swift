import Foundation
import Learning
import Registry
import Storage
import TestSupport
import Testing

/// Training reads the profile of its rows in the same pass, reports the suspicious values,
/// and does what the spec says with them.
@Suite("Training screens its rows")
struct TrainingScreenTests {
    typealias Planted = DemoData.PlantedFaults
    static let plantedRows =
        Planted.sentinelPrices + Planted.zeroSizes + Planted.zeroDepths + Planted.mistypedWidths

    static func spec(_ extra: String) throws -> TrainingSpec {
        try TrainingSpec.parse(
            """
            name: gems
            query: SELECT carat, depth, x, y, z, price FROM diamonds_raw
            target: price
            kind: linear
            split: {test_fraction: 0.2, seed: 3}
            \(extra)
            """)
    }

    @Test(arguments: Backend.allCases)
    func failRefusesWithTheCountsAndRegistersNothing(_ backend: Backend) throws {
        try withDataset(.diamondsRaw, backend) { database, registry throws in
            var lines: [String] = []
            #expect {
                try Trainer(registry: registry).train(try Self.spec("on_suspicious: fail")) { lines.append($0) }
            } throws: { error in
                let e = error as? RegistryError
                return e?.code == .suspiciousData && e!.message.contains("10 rows have price = -1")
                    && e!.message.contains("7 rows have z = 0") && e!.message.contains("Nothing was trained")
            }
            #expect(try registry.list().isEmpty)
            #expect(try database.query("SELECT COUNT(*) FROM data_profiles")[0][0].int64 == 0)
            // Reported before fitting, one line a finding.
            #expect(lines.contains { $0.hasPrefix("suspicious [sentinel]: 10 rows have price = -1") })
            #expect(!lines.contains { $0.hasPrefix("training") })
        }
    }

    @Test func dropLeavesOutTheNamedRowsAndRecordsTheCounts() throws {
        try withDataset(.diamondsRaw) { database, registry throws in
            let result = try Trainer(registry: registry).train(try Self.spec("on_suspicious: drop"))
            let version = try registry.record(id: result.versions[0].id)
            let cleaning = try #require(version.card?.cleaning)
            #expect(cleaning.rowsRead == 5_000 + Planted.duplicates)
            #expect(cleaning.duplicatesDropped == Planted.duplicates)
            #expect(cleaning.suspiciousDropped == Self.plantedRows)
            #expect(version.rowCount == 5_000 - Self.plantedRows)
            #expect(cleaning.findings.contains { $0.hasPrefix("10 rows have price = -1") })
            // The version points at the profile of every row read, duplicates and all.
            let stored = try DataProfiles(database).profile(id: try #require(version.dataProfileID))
            #expect(stored.profile.rows == 5_001 && stored.profile.duplicateRows == 1)
            #expect(stored.target == "price")
        }
    }

    @Test(arguments: Backend.allCases)
    func cleanFiltersInTheQueryAndDropsDuplicates(_ backend: Backend) throws {
        try withDataset(.diamondsRaw, backend) { database, registry throws in
            var lines: [String] = []
            let spec = try Self.spec(
                """
                description: Prices of round diamonds from their size
                intended_use: Pricing stock for the shop; not for appraisal
                clean: {drop_duplicates: true, where: "price > 0 AND x * y * z <> 0"}
                """)
            let result = try Trainer(registry: registry).train(spec) { lines.append($0) }
            let version = try registry.record(id: result.versions[0].id)
            let cleaning = try #require(version.card?.cleaning)
            #expect(cleaning.filter == "price > 0 AND x * y * z <> 0")
            #expect(cleaning.rowsRead == 5_001 - Planted.sentinelPrices - Planted.zeroSizes - Planted.zeroDepths)
            #expect(cleaning.duplicatesDropped == 1 && cleaning.suspiciousDropped == 0)
            #expect(version.rowCount == cleaning.rowsRead - 1)
            #expect(version.card?.description == "Prices of round diamonds from their size")
            #expect(version.card?.intendedUse == "Pricing stock for the shop; not for appraisal")
            // What the filter leaves: the mistyped width, reported, trained on (warn).
            #expect(cleaning.findings.count == lines.filter { $0.hasPrefix("suspicious") }.count)
            #expect(lines.contains { $0.hasPrefix("suspicious [linked_columns]") }, "\(lines)")
            #expect(!lines.contains { $0.contains("[sentinel]") || $0.contains("[isolated_zeros]") })
        }
    }

    @Test func aWhereThatIsNotOneQueryIsASpecError() throws {
        #expect {
            try Self.spec("clean: {where: \"1 = 1; DELETE FROM diamonds_raw\"}")
        } throws: { "\($0)".contains("clean.where") }
        #expect {
            try Self.spec("on_suspicious: ignore")
        } throws: { "\($0)".contains("must be one of fail, warn, drop") }
    }
}

@Suite("Model card caveats")
struct ModelCardCaveatTests {
    /// The click data: about 2% of offers clicked. Its card warns of the imbalance, and of the
    /// collider the spec marks; the diamonds' card of neither.
    @Test func imbalanceAndColliderFromTheDataAndTheSpec() throws {
        try withDataset(.click, rows: 3_000) { _, registry throws in
            var spec = try pipeline("click")
            spec.card.colliders = ["annual_income"]
            let id = try #require(try Trainer(registry: registry).train(spec).versions.first?.id)
            let card = try ModelCard(registry: registry, id: id, withQuery: false)
            let clicked = try #require(card.profile?.column("clicked")?.numbers?.mean)
            #expect(clicked < 0.1)
            let imbalance = try #require(card.caveats.first { $0.hasPrefix("The classes are imbalanced") })
            #expect(imbalance.contains(String(format: "%.1f%% of the training rows are 1", 100 * clicked)))
            #expect(card.caveats.contains { $0.hasPrefix("annual_income is marked a collider") })
            #expect(card.profile?.target == "clicked")
        }
        try withDataset(.diamonds, rows: 800) { _, registry throws in
            let spec = try TrainingSpec.parse(
                "{name: gems, kind: linear, query: 'SELECT carat, depth, price FROM diamonds', target: price}")
            let id = try #require(try Trainer(registry: registry).train(spec).versions.first?.id)
            let caveats = try ModelCard(registry: registry, id: id, withQuery: false).caveats
            #expect(!caveats.contains { $0.contains("imbalanced") || $0.contains("collider") }, "\(caveats)")
            #expect(caveats.isEmpty, "carat and depth are not collinear; the rows are clean")
            // Four sizes of one stone: one caveat for the group, worded for trees.
            let trees = try TrainingSpec.parse(
                """
                {name: trees, kind: gbdt, query: 'SELECT carat, depth, x, y, z, price FROM diamonds', target: price,
                 hyperparameters: [{n_estimators: 5}]}
                """)
            let treeID = try #require(try Trainer(registry: registry).train(trees).versions.first?.id)
            let collinear = try ModelCard(registry: registry, id: treeID, withQuery: false).caveats.filter {
                $0.contains("collinear")
            }
            #expect(collinear.count == 1, "\(collinear)")
            #expect(collinear.first?.hasPrefix("carat, x, y and z are collinear (pairwise |r| 0.9") == true)
            #expect(collinear.first?.contains("the trees split on any of them") == true)
        }
    }
}
