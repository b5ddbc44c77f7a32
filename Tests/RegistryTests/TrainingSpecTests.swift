import Foundation
import Learning
import Registry
import Testing

@Suite("Training specs")
struct TrainingSpecTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test("the example pipelines parse", arguments: ["click", "diamonds", "promotion"])
    func examples(name: String) throws {
        let spec = try TrainingSpec.load(path: Self.repository.appendingPathComponent("pipelines/\(name).yaml").path)
        #expect(spec.name == name)
        #expect(!spec.hyperparameterSets.isEmpty)
    }

    @Test("several models of one name: each its kind, sets or search, and features (the spec's by default)")
    func models() throws {
        let spec = try TrainingSpec.parse(
            """
            name: m
            query: SELECT a, b, c, y FROM t
            target: y
            features: {numeric: [a, b], categorical: [c]}
            promote: mae
            models:
              - kind: linear
                features: {numeric: [a]}
                hyperparameters: [{method: ols}, {method: ridge, alpha: 2}]
              - kind: gbdt
              - kind: gbdt
                grid: {max_depth: [2, 3]}
            """)
        #expect(spec.models.map(\.kind) == [.linear, .gbdt, .gbdt])
        #expect(spec.models[0].features == FeatureSchema(numeric: ["a"], categorical: []))
        #expect(spec.models[1].features == nil)
        #expect(spec.models[0].hyperparameterSets.count == 2)
        #expect(spec.models[2].hyperparameterSets == [["max_depth": .number(2)], ["max_depth": .number(3)]])
        #expect(spec.promotionMetric == "mae")
        // The reader reads every model's columns once.
        #expect(spec.featuresToRead == FeatureSchema(numeric: ["a", "b"], categorical: ["c"]))
    }

    @Test(
        "errors in a model's entry name the entry, the field and the line",
        arguments: [
            ("models:\n  - {kind: linear}\n  - {kind: gbdt, colour: red}\n", 7, "models[1].colour", "unknown field"),
            ("models:\n  - {kind: linear}\n  - {kind: forest}\n", 7, "models[1].kind", "unknown kind 'forest'"),
            (
                "models:\n  - kind: linear\n  - kind: gbdt\n    hyperparameters:\n      - {max_depth: 0}\n", 9,
                "models[1].hyperparameters[0]", "max_depth"
            ),
            (
                "models:\n  - kind: gbdt\n    search:\n      space:\n        depth: {int: [3, 9]}\n", 9,
                "search.space.depth", "gbdt has no hyperparameter depth"
            ),
            ("kind: linear\nmodels:\n  - {kind: gbdt}\n", 5, "kind", "give kind in each model's entry"),
            ("promote: speed\nmodels:\n  - {kind: gbdt}\n", 5, "promote", "unknown metric 'speed'"),
            (
                "models:\n  - {kind: linear}\n  - {kind: gbdt, hyperparameters: [{objective: 'binary:logistic'}]}\n",
                6, "models", "same task"
            ),
        ])
    func modelErrors(text: String, line: Int, field: String, message: String) {
        let error = #expect(throws: SpecError.self) {
            try TrainingSpec.parse("name: a\nquery: SELECT 1\ntarget: y\nfeatures: {numeric: [x]}\n" + text)
        }
        #expect(error?.line == line, "\(error?.description ?? "")")
        #expect(error?.field.hasSuffix(field) == true, "\(error?.description ?? "")")
        #expect(error?.message.contains(message) == true, "\(error?.description ?? "")")
    }

    @Test("a grid expands to every combination; JSON works too")
    func grid() throws {
        let spec = try TrainingSpec.parse(
            """
            {"name": "g", "kind": "logistic", "query": "SELECT 1", "target": "y",
             "grid": {"C": [0.1, 1, 10], "penalty": ["l1", "l2"]}, "cv": {"folds": 3}}
            """)
        #expect(spec.hyperparameterSets.count == 6)
        #expect(spec.hyperparameterSets.contains(["C": .number(10), "penalty": .text("l1")]))
        #expect(spec.crossValidationFolds == 3)
    }

    @Test(
        "errors name the line and the field",
        arguments: [
            (
                "name: a\nkind: logistic\nquery: SELECT 1\ntarget: y\nsplit:\n  test_fraction: lots\n", 6,
                "split.test_fraction", "must be a number"
            ),
            (
                "name: a\nkind: forest\nquery: SELECT 1\ntarget: y\n", 2, "kind",
                "unknown kind 'forest'; valid: logistic, linear"
            ),
            (
                "name: a\nkind: logistic\nquery: SELECT 1\ntarget: y\ncolour: red\n", 5, "colour",
                "unknown field; valid: name, kind"
            ),
            (
                "name: a\nkind: logistic\nquery: SELECT 1\ntarget: y\nhyperparameters:\n  - {C: 1}\n  - {lambda: 2}\n",
                7,
                "hyperparameters[1]", "unknown hyperparameter lambda for logistic"
            ),
            ("name: a\nkind: logistic\ntarget: y\n", 1, "query", "is required"),
            ("name: a\nkind: logistic\nquery: [unclosed\n", 4, "syntax", "not valid YAML"),
            ("name: a b\nkind: linear\nquery: SELECT 1\ntarget: y\n", 1, "name", "not a valid model name"),
            (
                "name: a\nkind: linear\nquery: SELECT 1\ntarget: y\nsplit: {test_fraction: 1.5}\n", 5,
                "split.test_fraction", "below 1"
            ),
        ])
    func errors(text: String, line: Int, field: String, message: String) {
        let error = #expect(throws: SpecError.self) { try TrainingSpec.parse(text, file: "spec.yaml") }
        #expect(error?.line == line, "\(error?.description ?? "")")
        #expect(error?.field == field, "\(error?.description ?? "")")
        #expect(error?.message.contains(message) == true, "\(error?.description ?? "")")
        #expect(error?.description.hasPrefix("spec.yaml:\(line): \(field): ") == true)
    }

    @Test("a missing spec file says so")
    func missingFile() {
        let error = #expect(throws: SpecError.self) { try TrainingSpec.load(path: "/nonexistent/spec.yaml") }
        #expect(error?.description == "/nonexistent/spec.yaml: file: cannot read the spec file (missing or unreadable)")
    }
}
