import Foundation
import Learning
import Testing

@Suite("Models: preprocessing, training, prediction and artifacts")
struct ModelTests {
    /// The categorical fixture as raw columns: two numeric features and `color` in D/E/F.
    func categoricalData() throws -> (Fixture, TrainingData, FeatureSchema) {
        let fixture = try Fixture.load("categorical")
        let raw = try #require(fixture.raw)
        let data = TrainingData(
            numeric: ["n1": NumericColumn(raw.n1), "n2": NumericColumn(raw.n2)],
            categorical: ["color": raw.color.map { Optional($0) }], target: fixture.yLinear!)
        return (fixture, data, FeatureSchema(numeric: ["n1", "n2"], categorical: ["color"]))
    }

    @Test("one-hot encoding with drop-first reproduces statsmodels' OLS on dummies, by feature name")
    func categoricalOLS() throws {
        let (fixture, data, schema) = try categoricalData()
        let model = try Model.train(kind: .linear, data: data, schema: schema)
        #expect(model.featureNames == ["n1", "n2", "color=E", "color=F"])
        let reference = try #require(fixture.ols)
        expectClose([model.intercept] + model.coefficients, reference.params, relative: 1e-8, "params")
        let inference = try #require(model.training.olsInference)
        expectClose(inference.standardErrors, reference.bse, relative: 1e-8, "bse")
        #expect(model.preprocessor.categorical[0].dropped == "D")
    }

    @Test("regularised logistic keeps every level and matches scikit-learn on the dummies")
    func categoricalLogistic() throws {
        let (fixture, data, schema) = try categoricalData()
        var logisticData = data
        logisticData.target = fixture.yLogistic
        let model = try Model.train(
            kind: .logistic, data: logisticData, schema: schema, hyperparameters: ["penalty": .text("none")])
        #expect(model.featureNames == fixture.features)
        let reference = try #require(fixture.logistic.first { $0.penalty == "none" })
        expectClose(model.coefficients, reference.coefficients, relative: 1e-5, absolute: 1e-8, "coefficients")
        let l2 = try Model.train(
            kind: .logistic, data: logisticData, schema: schema, hyperparameters: ["C": .number(0.5)])
        #expect(l2.featureNames == ["n1", "n2", "color=D", "color=E", "color=F"])
    }

    @Test("predictions from a row of named values equal the batch path; unseen categories count")
    func predictRow() throws {
        let (_, data, schema) = try categoricalData()
        let model = try Model.train(kind: .linear, data: data, schema: schema)
        let batch = try model.predictions(for: data.selecting(rows: [0, 1, 2]))
        let raw = try #require(try Fixture.load("categorical").raw)
        for i in 0..<3 {
            let (prediction, unknown) = try model.predict([
                "n1": .number(raw.n1[i]), "n2": .number(raw.n2[i]), "color": .text(raw.color[i]),
            ])
            #expect(unknown.unknownCategories == 0 && unknown.imputed.isEmpty)
            guard case .regression(let value) = prediction else { Issue.record("not a regression"); return }
            expectClose(value, batch[i], relative: 1e-12, "row \(i)")
        }
        let (prediction, unknown) = try model.predict(["n1": .number(0), "n2": .number(0), "color": .text("Z")])
        #expect(unknown.unknownCategories == 1)
        #expect(prediction == .regression(value: model.intercept))
    }

    @Test("every problem in a row is reported by feature name")
    func rowProblems() throws {
        let (_, data, schema) = try categoricalData()
        let model = try Model.train(kind: .linear, data: data, schema: schema)
        let error = #expect(throws: LearningError.self) {
            try model.predict(["n1": .text("high"), "n2": .number(.nan), "colour": .text("E")])
        }
        #expect(
            error?.details == [
                "n1": "must be a number, got text", "n2": "must be a finite number, got nan",
                "colour": "unknown feature",
                "color": "missing: send a value, or null for the model's missing-value policy",
            ])
    }

    @Test("the artifact round-trips to bit-identical predictions", arguments: [ModelKind.logistic, .linear])
    func artifactRoundTrip(kind: ModelKind) throws {
        let (fixture, data, schema) = try categoricalData()
        var training = data
        if kind == .logistic { training.target = fixture.yLogistic }
        let hyperparameters: Hyperparameters =
            kind == .logistic ? ["C": .number(0.3), "standardize": .bool(true)] : [:]
        let model = try Model.train(kind: kind, data: training, schema: schema, hyperparameters: hyperparameters)
        let json = try model.artifactJSON()
        let decoded = try Model.fromArtifact(json)
        #expect(decoded == model)
        #expect(try decoded.artifactJSON() == json)
        let raw = try #require(fixture.raw)
        for i in 0..<50 {
            let row: [String: FeatureValue] = [
                "n1": .number(raw.n1[i]), "n2": .number(raw.n2[i]), "color": .text(raw.color[i]),
            ]
            let a = try model.predict(row).prediction
            let b = try decoded.predict(row).prediction
            switch (a, b) {
            case (.classification(let p, _), .classification(let q, _)): #expect(p.bitPattern == q.bitPattern)
            case (.regression(let p), .regression(let q)): #expect(p.bitPattern == q.bitPattern)
            default: Issue.record("kinds differ")
            }
        }
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.contains("\"color=E\":"))
        #expect(text.contains("\"schema_version\":2"))
        #expect(text.contains("\"estimator\":{\"coefficients\":{"))
    }

    @Test("version 1 artifacts written by the previous build still load and predict what it predicted")
    func versionOneArtifacts() throws {
        struct Case: Decodable {
            let artifact: String
            let row: [String: JSONNumberOrText]
            let probability: Double?
            let prediction: Double?
        }
        struct Cases: Decodable { let cases: [Case] }
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/artifacts_v1.json")
        let fixture = try JSONDecoder().decode(Cases.self, from: Data(contentsOf: url))
        for item in fixture.cases {
            #expect(item.artifact.contains("\"schema_version\":1"))
            let model = try Model.fromArtifact(Data(item.artifact.utf8))
            let row = item.row.mapValues { $0.value }
            switch try model.predict(row).prediction {
            case .classification(let p, _): #expect(p == item.probability)
            case .regression(let v): #expect(v == item.prediction)
            }
            // Written again, it is a version 2 artifact that reads back the same.
            #expect(try Model.fromArtifact(model.artifactJSON()) == model)
        }
    }

    @Test(
        "unknown artifact versions and malformed artifacts fail clearly",
        arguments: [
            ("{\"format\":\"modelserve.model\",\"schema_version\":99}", "schema version 99 is not supported"),
            ("{\"format\":\"something else\"}", "not a modelserve model artifact"),
            ("{\"format\":\"modelserve.model\",\"schema_version\":1,\"kind\":\"logistic\"}", "lacks features"),
            ("[1,2", "not valid"),
        ])
    func badArtifacts(text: String, message: String) {
        let error = #expect(throws: LearningError.self) { try Model.fromArtifact(Data(text.utf8)) }
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    }

    @Test("missing values: an error by default, imputed on request")
    func missingValues() throws {
        let x: [Double?] = [1, 2, nil, 4, 5, 6, 7, 8]
        let data = TrainingData(numeric: ["x": NumericColumn(x)], target: [2, 4, 6, 8, 10, 12, 14, 16.5])
        let schema = FeatureSchema(numeric: ["x"])
        let error = #expect(throws: LearningError.self) { try Model.train(kind: .linear, data: data, schema: schema) }
        #expect(error?.code == .missingValue)
        #expect(error?.message.contains("feature x is missing (NULL) in row 3") == true)
        let model = try Model.train(
            kind: .linear, data: data, schema: schema, hyperparameters: ["missing": .text("mean")])
        #expect(model.preprocessor.numeric[0].fill == 33.0 / 7)
        // Missing at predict time takes the fill too.
        #expect(try model.predict(["x": .missing]).prediction == model.predict(["x": .number(33.0 / 7)]).prediction)
    }

    @Test("a log target is fitted on the log scale and predicted back on the original")
    func targetTransform() throws {
        let x = (1...40).map { Double($0) / 4 }
        let y = x.map { exp(0.3 * $0 + 1) }
        let model = try Model.train(
            kind: .linear, data: TrainingData(numeric: ["x": NumericColumn(x)], target: y),
            schema: FeatureSchema(numeric: ["x"]),
            hyperparameters: ["target_transform": .text("log")])
        expectClose(model.coefficients, [0.3], relative: 1e-10, "slope")
        guard case .regression(let value) = try model.predict(["x": .number(2)]).prediction else {
            Issue.record("a linear model answered a classification")
            return
        }
        expectClose(value, exp(1.6), relative: 1e-10, "prediction")
    }
}

@Suite("Bad input is a clear error")
struct BadInputTests {
    let schema = FeatureSchema(numeric: ["a", "b"])

    func data(a: [Double], b: [Double], y: [Double]) -> TrainingData {
        TrainingData(numeric: ["a": NumericColumn(a), "b": NumericColumn(b)], target: y)
    }

    @Test(
        "each bad data set gets its own error, naming what is wrong",
        arguments: [
            (ModelKind.logistic, [Double](), [Double](), [Double](), LearningError.Code.emptyData, "no rows"),
            (.logistic, [1, 2, 3], [3, 1, 2], [1, 1, 1], .singleClass, "only one class (1)"),
            (.logistic, [1, 2, 3], [3, 1, 2], [0, 1, 2], .nonBinaryTarget, "0/1 target; found other values (2)"),
            (.logistic, [1, .nan, 3], [3, 1, 2], [0, 1, 0], .nonFinite, "feature a is nan in row 2"),
            (.linear, [1, 2, 3, 4], [3, 1, 2, 5], [0, 1, .infinity, 2], .nonFinite, "target is inf in row 3"),
            (.linear, [1, 2, 3, 4], [7, 7, 7, 7], [0, 1, 3, 2], .constantColumn, "feature b is constant"),
            (.linear, [1, 2, 3], [3, 1, 2], [0, 1, 3], .tooFewRows, "3 rows for 3 parameters"),
        ])
    func badData(kind: ModelKind, a: [Double], b: [Double], y: [Double], code: LearningError.Code, message: String) {
        let error = #expect(throws: LearningError.self) {
            try Model.train(kind: kind, data: data(a: a, b: b, y: y), schema: schema)
        }
        #expect(error?.code == code)
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    }

    @Test(
        "unknown hyperparameters and invalid values list what is valid",
        arguments: [
            (
                ModelKind.logistic, ["lambda": HyperparameterValue.number(1)], LearningError.Code.unknownHyperparameter,
                "unknown hyperparameter lambda for logistic; valid: C, class_weight, drop_first, fit_intercept, l1_ratio, max_categories, max_iter, min_frequency, missing, penalty, solver, standardize, threshold, tol"
            ),
            (
                .logistic, ["penalty": .text("l3")], .invalidHyperparameter,
                "penalty must be one of none, l2, l1, elasticnet; got 'l3'"
            ),
            (.logistic, ["C": .number(-1)], .invalidHyperparameter, "C must be a number > 0; got -1"),
            (.logistic, ["max_iter": .number(2.5)], .invalidHyperparameter, "max_iter must be a whole number >= 1"),
            (
                .linear, ["method": .text("magic")], .invalidHyperparameter,
                "method must be one of ols, ridge, lasso, elasticnet"
            ),
            (.linear, ["C": .number(1)], .unknownHyperparameter, "unknown hyperparameter C for linear"),
        ])
    func badHyperparameters(kind: ModelKind, values: Hyperparameters, code: LearningError.Code, message: String) {
        let error = #expect(throws: LearningError.self) { try ModelSettings(kind: kind, values) }
        #expect(error?.code == code)
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    }

    @Test("flag text parses to typed values")
    func parsing() throws {
        #expect(HyperparameterValue(parsing: "0.5") == .number(0.5))
        #expect(HyperparameterValue(parsing: "true") == .bool(true))
        #expect(HyperparameterValue(parsing: "l2") == .text("l2"))
        let settings = try ModelSettings(kind: .logistic, ["C": .text("0.25"), "penalty": .text("none")])
        #expect(settings.logistic.C == 0.25)
        #expect(settings.dropFirst)
        #expect(ModelSettings.validNames(for: .linear).contains("alpha"))
    }
}

/// A JSON number or string, as a feature value.
struct JSONNumberOrText: Decodable {
    let value: FeatureValue

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let n = try? container.decode(Double.self) {
            value = .number(n)
        } else {
            value = .text(try container.decode(String.self))
        }
    }
}
