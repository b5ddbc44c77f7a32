import Foundation
import Testing

@testable import Learning

/// XGBoost `hist` on a fixed data set (scripts/reference/make_gbdt_fixtures.py).
struct GBDTFixture: Decodable {
    struct Case: Decodable {
        let objective: String
        let missing: String
        let parameters: [String: Double]
        /// "one_hot" (dummy columns) or "native" (enable_categorical, with the 8-level grade).
        let categorical: String
        let baseScore: Double
        let predictions: [Double]
        /// Native cases: the same rows with no grade, which takes each split's missing side.
        let predictionsWithoutGrade: [Double]?
    }

    let x: [[Double]]
    let xMissing: [[Double?]]
    let level: [String]
    let yRegression: [Double]
    let yBinary: [Double]
    let grade: [String]
    let gradeMissing: [String?]
    let yRegressionCategorical: [Double]
    let yBinaryCategorical: [Double]
    let cases: [Case]

    static func load() throws -> GBDTFixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Fixtures/gbdt.json")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(GBDTFixture.self, from: Data(contentsOf: url))
    }
}

@Suite("Gradient-boosted trees against XGBoost")
struct GradientBoostingTests {
    @Test("split gain and leaf weight are param.h's formulas")
    func formulas() {
        // CalcWeight: -ThresholdL1(G, alpha) / (H + lambda); CalcGain: ThresholdL1(G)^2 / (H + lambda).
        #expect(SplitGain.weight(-6, 3, lambda: 1, alpha: 0) == 1.5)
        #expect(SplitGain.weight(-6, 3, lambda: 1, alpha: 2) == 1.0)
        #expect(SplitGain.weight(1.5, 3, lambda: 1, alpha: 2) == 0)
        #expect(SplitGain.score(4, 1, lambda: 1, alpha: 1) == 4.5)
        // Left (G 4, H 3), right (G -2, H 1), lambda 1: 16/4 + 4/2 - 4/5.
        #expect(abs(SplitGain.lossChange(left: 4, 3, node: 2, 4, lambda: 1, alpha: 0) - (4 + 2 - 0.8)) < 1e-12)
    }

    @Test(
        "predictions match XGBoost hist: regression and binary, with and without missing values, categoricals one-hot or native"
    )
    func matchesXGBoost() throws {
        let fixture = try GBDTFixture.load()
        var native = 0
        for reference in fixture.cases {
            let logistic = reference.objective == "binary:logistic"
            let isNative = reference.categorical == "native"
            var numeric: [String: NumericColumn] = [:]
            for j in 0..<3 {
                if reference.missing == "some" && j < 2 {
                    let column = fixture.xMissing[j]
                    numeric["x\(j)"] = NumericColumn(column.map { $0 ?? 0 }, isMissing: column.map { $0 == nil })
                } else {
                    numeric["x\(j)"] = NumericColumn(fixture.x[j])
                }
            }
            var categorical: [String: [String?]] = ["level": fixture.level.map { Optional($0) }]
            var names = ["level"]
            if isNative {
                categorical["grade"] =
                    reference.missing == "some" ? fixture.gradeMissing : fixture.grade.map { Optional($0) }
                names.append("grade")
                native += 1
            }
            let target =
                isNative
                ? (logistic ? fixture.yBinaryCategorical : fixture.yRegressionCategorical)
                : (logistic ? fixture.yBinary : fixture.yRegression)
            let data = TrainingData(numeric: numeric, categorical: categorical, target: target)
            var hyperparameters: Hyperparameters = [
                "objective": .text(reference.objective), "max_bin": .number(1024), "n_jobs": .number(1),
                "enable_categorical": .bool(isNative),
            ]
            for (name, value) in reference.parameters { hyperparameters[name] = .number(value) }
            let model = try Model.train(
                kind: .gbdt, data: data, schema: FeatureSchema(numeric: ["x0", "x1", "x2"], categorical: names),
                hyperparameters: hyperparameters)
            let predicted = try model.predictions(for: data)
            let label =
                "\(reference.objective), missing \(reference.missing), \(reference.categorical), \(reference.parameters)"
            // XGBoost accumulates in single precision; ours in double.
            expectClose(predicted, reference.predictions, relative: 1e-6, absolute: 1e-6, label)
            let ensemble = try #require(model.estimator as? TreeEnsemble)
            let base = logistic ? 1 / (1 + exp(-ensemble.baseMargin)) : ensemble.baseMargin
            expectClose(base, reference.baseScore, relative: 1e-6, "\(label) base score")
            if isNative {
                // Code columns, not dummies, and the trees split on sets of grades.
                #expect(model.featureNames == ["x0", "x1", "x2", "level", "grade"])
                #expect(ensemble.trees.contains { !$0.categorySets.isEmpty })
                let expected = try #require(reference.predictionsWithoutGrade)
                var noGrade = categorical
                noGrade["grade"] = [String?](repeating: nil, count: target.count)
                let withoutGrade = try model.predictions(
                    for: TrainingData(numeric: numeric, categorical: noGrade, target: target))
                expectClose(withoutGrade, expected, relative: 1e-6, absolute: 1e-6, "\(label), no grade")
            }
        }
        #expect(native == 8)
    }

    @Test("the same seed and thread count give the same trees; the artifact round-trips bit for bit")
    func deterministicAndSerialisable() throws {
        let fixture = try GBDTFixture.load()
        let data = TrainingData(
            numeric: ["x0": NumericColumn(fixture.x[0]), "x1": NumericColumn(fixture.x[1])],
            target: fixture.yRegression)
        let schema = FeatureSchema(numeric: ["x0", "x1"], categorical: [])
        let hyperparameters: Hyperparameters = [
            "subsample": .number(0.7), "colsample_bytree": .number(0.5), "seed": .number(7),
            "n_estimators": .number(30),
        ]
        let a = try Model.train(kind: .gbdt, data: data, schema: schema, hyperparameters: hyperparameters)
        let b = try Model.train(kind: .gbdt, data: data, schema: schema, hyperparameters: hyperparameters)
        #expect(a == b)
        let decoded = try Model.fromArtifact(a.artifactJSON())
        #expect(decoded == a)
        #expect(try decoded.predictions(for: data) == a.predictions(for: data))
        var other = hyperparameters
        other["seed"] = .number(8)
        #expect(try Model.train(kind: .gbdt, data: data, schema: schema, hyperparameters: other) != a)
    }

    @Test("native categorical trees round-trip their code sets; an unseen level is counted and sent left")
    func categoricalArtifact() throws {
        let fixture = try GBDTFixture.load()
        let data = TrainingData(
            numeric: ["x0": NumericColumn(fixture.x[0])],
            categorical: ["grade": fixture.grade.map { Optional($0) }], target: fixture.yRegressionCategorical)
        let model = try Model.train(
            kind: .gbdt, data: data, schema: FeatureSchema(numeric: ["x0"], categorical: ["grade"]),
            hyperparameters: ["n_estimators": .number(10)])
        #expect(model.featureNames == ["x0", "grade"])
        let json = String(decoding: try model.artifactJSON(), as: UTF8.self)
        #expect(json.contains("\"category_sets\""))
        let decoded = try Model.fromArtifact(Data(json.utf8))
        #expect(decoded == model)
        #expect(try decoded.predictions(for: data) == model.predictions(for: data))
        // One row at a time (serving's node array) walks categorical nodes as the batch does.
        let batch = try model.predictions(for: data)
        for i in stride(from: 0, to: fixture.grade.count, by: 7) {
            let single = try model.predict(["x0": .number(fixture.x[0][i]), "grade": .text(fixture.grade[i])])
            #expect(single.prediction == .regression(value: batch[i]), "row \(i)")
        }
        // An unseen level takes no set: left at every categorical node, as XGBoost sends it.
        let ensemble = try #require(model.estimator as? TreeEnsemble)
        let unseen = try model.predict(["x0": .number(0.3), "grade": .text("g99")])
        #expect(unseen.notes.unknownCategories == 1)
        let row = [0.3, -1.0]
        #expect(unseen.prediction == row.withUnsafeBufferPointer { ensemble.predict(encoded: $0) })
        var margin = ensemble.baseMargin
        for tree in ensemble.trees {
            var node = 0
            while tree.left[node] >= 0 {
                let categorical = tree.categorySet[node] >= 0
                node = Int(categorical || 0.3 < tree.threshold[node] ? tree.left[node] : tree.right[node])
            }
            margin += tree.value[node]
        }
        #expect(unseen.prediction == .regression(value: margin))
        // A tree naming a set it does not have is refused.
        let broken = json.replacingOccurrences(of: "\"category_set\":[-1,", with: "\"category_set\":[99,")
        try #require(broken != json)
        let error = #expect(throws: LearningError.self) { try Model.fromArtifact(Data(broken.utf8)) }
        #expect(error?.message.contains("category set") == true, "\(error.map { "\($0)" } ?? "")")
    }

    @Test("early stopping keeps the best round on the validation rows and says how many trees it kept")
    func earlyStopping() throws {
        let fixture = try GBDTFixture.load()
        let data = TrainingData(numeric: ["x0": NumericColumn(fixture.x[0])], target: fixture.yRegression)
        let model = try Model.train(
            kind: .gbdt, data: data, schema: FeatureSchema(numeric: ["x0"], categorical: []),
            hyperparameters: [
                "n_estimators": .number(500), "learning_rate": .number(0.3), "early_stopping_rounds": .number(5),
            ])
        let ensemble = try #require(model.estimator as? TreeEnsemble)
        let kept = try #require(ensemble.bestIteration)
        #expect(kept < 500 && kept == ensemble.trees.count)
        #expect(model.training.iterations >= kept + 5)
    }

    @Test("a monitor sees the metrics every few rounds, equal to the model's own at that round, and can stop the fit")
    func monitor() throws {
        let fixture = try GBDTFixture.load()
        let all = TrainingData(
            numeric: ["x0": NumericColumn(fixture.x[0]), "x1": NumericColumn(fixture.x[1])],
            target: fixture.yRegression)
        let fit = all.selecting(rows: Array(0..<200))
        let watched = all.selecting(rows: Array(200..<300))
        let schema = FeatureSchema(numeric: ["x0", "x1"], categorical: [])
        var seen: [(Int, Double)] = []
        let model = try Model.train(
            kind: .gbdt, data: fit, schema: schema, hyperparameters: ["n_estimators": .number(100)],
            monitor: TrainingMonitor(data: watched, every: 10) { round, evaluation in
                guard case .regression(let m) = evaluation else { return true }
                seen.append((round, m.rmse))
                return round < 30
            })
        #expect(seen.map(\.0) == [10, 20, 30])
        let ensemble = try #require(model.estimator as? TreeEnsemble)
        #expect(ensemble.trees.count == 30)
        guard case .regression(let final) = try model.evaluate(on: watched) else {
            Issue.record("not a regression"); return
        }
        #expect(abs(final.rmse - seen[2].1) < 1e-9)
        #expect(seen[0].1 > seen[2].1)
    }

    @Test("a single row predicts from named values, missing ones included, as the batch path does")
    func singleRow() throws {
        let fixture = try GBDTFixture.load()
        let column = fixture.xMissing[0]
        let data = TrainingData(
            numeric: ["x0": NumericColumn(column.map { $0 ?? 0 }, isMissing: column.map { $0 == nil })],
            categorical: ["level": fixture.level.map { Optional($0) }], target: fixture.yRegression)
        let model = try Model.train(
            kind: .gbdt, data: data, schema: FeatureSchema(numeric: ["x0"], categorical: ["level"]))
        let batch = try model.predictions(for: data)
        for i in 0..<40 {
            let row: [String: FeatureValue] = [
                "x0": column[i].map(FeatureValue.number) ?? .missing, "level": .text(fixture.level[i]),
            ]
            #expect(try model.predict(row).prediction == .regression(value: batch[i]))
        }
    }
}

@Suite("Histogram boosting internals")
struct HistogramBoostingTests {
    /// Seeded rows with a nonlinear target, values rounded so that many repeat.
    static func data(rows: Int, seed: UInt64, decimals: Double = 100) -> (Matrix, [Double]) {
        var generator = SeededGenerator(seed: seed)
        var x = Matrix(rows: rows, columns: 4)
        var y = [Double](repeating: 0, count: rows)
        for i in 0..<rows {
            for j in 0..<4 {
                x.values[j * rows + i] = (Double.random(in: -3...3, using: &generator) * decimals).rounded() / decimals
            }
            let a = x.values[i]
            let b = x.values[rows + i]
            y[i] =
                a * a - 2 * b + (x.values[2 * rows + i] > 0 ? 1 : 0) + Double.random(in: -0.1...0.1, using: &generator)
        }
        return (x, y)
    }

    @Test("the radix sort orders values as sort() does: negatives, zeros of both signs, infinities; NaN left out")
    func radixSort() {
        var generator = SeededGenerator(seed: 3)
        var values = (0..<5_000).map { _ in (Double.random(in: -1e6...1e6, using: &generator) * 10).rounded() / 10 }
        values += [0, -0.0, .infinity, -.infinity, .nan, 1e-300, -1e-300, .greatestFiniteMagnitude, .nan]
        values += Array(repeating: 42.5, count: 300)
        let sorted = values.withUnsafeBufferPointer { FeatureBins.sortedPresent($0) }
        let expected = values.filter { !$0.isNaN }.sorted()
        #expect(sorted.count == expected.count)
        #expect(zip(sorted, expected).allSatisfy { $0 == $1 })
        #expect(zip(sorted, sorted.dropFirst()).allSatisfy { $0 <= $1 })
    }

    @Test("few distinct values bin exactly at any row count; many are cut at quantiles within 0.5% of rank")
    func cutsAtScale() {
        var generator = SeededGenerator(seed: 21)
        // 400,000 rows of 200 levels (and NaN): every level its own bin, sampled or not.
        let levels = (0..<400_000).map { i in i % 97 == 0 ? Double.nan : Double(Int(generator.next() % 200)) - 50 }
        let (exact, missing) = levels.withUnsafeBufferPointer { FeatureBins.cuts($0, maxBin: 256) }
        #expect(missing)
        #expect(exact == (1..<200).map { Double($0) - 50 })
        // 400,000 continuous values: cuts from the sample, each near its quantile in the whole column.
        let values = (0..<400_000).map { _ in Double.random(in: 0..<1, using: &generator) }
        let (cuts, none) = values.withUnsafeBufferPointer { FeatureBins.cuts($0, maxBin: 256) }
        #expect(!none)
        #expect(cuts.count == 255)
        let sorted = values.sorted()
        for (b, cut) in cuts.enumerated() {
            let rank = Double(sorted.firstIndex { $0 >= cut }!) / Double(values.count)
            #expect(abs(rank - Double(b + 1) / 256) < 0.005, "cut \(b): rank \(rank)")
        }
        #expect([1.0, 2, 3].withUnsafeBufferPointer { FeatureBins.distinctValues($0, limit: 2) } == nil)
        #expect([1.0, -0.0, 0, 1].withUnsafeBufferPointer { FeatureBins.distinctValues($0, limit: 2) }?.count == 2)
    }

    @Test("one-byte and two-byte bin codes grow the same trees")
    func narrowAndWideCodes() throws {
        let (x, y) = Self.data(rows: 3_000, seed: 5)
        var parameters = GradientBoosting.Parameters()
        parameters.nEstimators = 10
        let narrow = FeatureBins(x, maxBin: 256, threads: 1)
        let wide = FeatureBins(x, maxBin: 256, threads: 1, wideCodes: true)
        #expect({ if case .narrow = narrow.byRow { true } else { false } }())
        #expect({ if case .wide = wide.byRow { true } else { false } }())
        let (a, _) = try GradientBoosting(parameters).fit(x, y, threshold: 0.5, bins: narrow)
        let (b, _) = try GradientBoosting(parameters).fit(x, y, threshold: 0.5, bins: wide)
        #expect(a.trees == b.trees)
        #expect(a.trees.first.map { $0.nodeCount > 1 } == true)
    }

    @Test("blocks split across two threads grow the trees one thread grows (sums differ only in rounding)")
    func threadsAgree() throws {
        // 40,000 rows: the root and its children are cut into blocks for the partition and
        // the histograms; a row put in the wrong node would change the trees.
        let (x, y) = Self.data(rows: 40_000, seed: 9)
        var parameters = GradientBoosting.Parameters()
        parameters.nEstimators = 20
        parameters.subsample = 0.8
        parameters.seed = 4
        parameters.threads = 1
        let (one, _) = try GradientBoosting(parameters).fit(x, y)
        parameters.threads = 2
        let (two, _) = try GradientBoosting(parameters).fit(x, y)
        let (twoAgain, _) = try GradientBoosting(parameters).fit(x, y)
        #expect(two == twoAgain)
        #expect(one.trees.map(\.feature) == two.trees.map(\.feature))
        #expect(one.trees.map(\.threshold) == two.trees.map(\.threshold))
        for (p, q) in zip(one.trees, two.trees) {
            #expect(zip(p.value, q.value).allSatisfy { abs($0 - $1) <= 1e-9 * max(1, abs($0)) })
        }
    }

    @Test("batch prediction, a block of rows at a time, equals one row at a time")
    func batchEqualsSingle() throws {
        let (x, y) = Self.data(rows: 1_000, seed: 13)
        var parameters = GradientBoosting.Parameters()
        parameters.nEstimators = 15
        let (ensemble, _) = try GradientBoosting(parameters).fit(x, y)
        var probe = x
        probe.values[5] = .nan
        let batch = ensemble.predict(design: probe)
        for i in [0, 5, 127, 128, 129, 999] {
            let row = (0..<4).map { probe.values[$0 * 1_000 + i] }
            #expect(row.withUnsafeBufferPointer { ensemble.predict(encoded: $0) } == batch[i])
        }
    }
}
