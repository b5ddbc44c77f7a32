import Foundation
import Learning
import Testing

/// XGBoost `hist` on a fixed data set (scripts/reference/make_gbdt_fixtures.py).
struct GBDTFixture: Decodable {
    struct Case: Decodable {
        let objective: String
        let missing: String
        let parameters: [String: Double]
        let baseScore: Double
        let predictions: [Double]
    }

    let x: [[Double]]
    let xMissing: [[Double?]]
    let level: [String]
    let yRegression: [Double]
    let yBinary: [Double]
    let cases: [Case]

    static func load() throws -> GBDTFixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/gbdt.json")
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

    @Test("predictions match XGBoost hist (regression and binary, with and without missing values, one-hot categoricals)")
    func matchesXGBoost() throws {
        let fixture = try GBDTFixture.load()
        for reference in fixture.cases {
            let logistic = reference.objective == "binary:logistic"
            var numeric: [String: NumericColumn] = [:]
            for j in 0..<3 {
                if reference.missing == "some" && j < 2 {
                    let column = fixture.xMissing[j]
                    numeric["x\(j)"] = NumericColumn(column.map { $0 ?? 0 }, isMissing: column.map { $0 == nil })
                } else {
                    numeric["x\(j)"] = NumericColumn(fixture.x[j])
                }
            }
            let data = TrainingData(
                numeric: numeric, categorical: ["level": fixture.level.map { Optional($0) }],
                target: logistic ? fixture.yBinary : fixture.yRegression)
            var hyperparameters: Hyperparameters = [
                "objective": .text(reference.objective), "max_bin": .number(1024), "n_jobs": .number(1),
            ]
            for (name, value) in reference.parameters { hyperparameters[name] = .number(value) }
            let model = try Model.train(
                kind: .gbdt, data: data, schema: FeatureSchema(numeric: ["x0", "x1", "x2"], categorical: ["level"]),
                hyperparameters: hyperparameters)
            let predicted = try model.predictions(for: data)
            let label = "\(reference.objective), missing \(reference.missing), \(reference.parameters)"
            // XGBoost accumulates in single precision; ours in double.
            expectClose(predicted, reference.predictions, relative: 1e-6, absolute: 1e-6, label)
            let ensemble = try #require(model.estimator as? TreeEnsemble)
            let base = logistic ? 1 / (1 + exp(-ensemble.baseMargin)) : ensemble.baseMargin
            expectClose(base, reference.baseScore, relative: 1e-6, "\(label) base score")
        }
    }

    @Test("the same seed and thread count give the same trees; the artifact round-trips bit for bit")
    func deterministicAndSerialisable() throws {
        let fixture = try GBDTFixture.load()
        let data = TrainingData(
            numeric: ["x0": NumericColumn(fixture.x[0]), "x1": NumericColumn(fixture.x[1])],
            target: fixture.yRegression)
        let schema = FeatureSchema(numeric: ["x0", "x1"], categorical: [])
        let hyperparameters: Hyperparameters = [
            "subsample": .number(0.7), "colsample_bytree": .number(0.5), "seed": .number(7), "n_estimators": .number(30),
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
