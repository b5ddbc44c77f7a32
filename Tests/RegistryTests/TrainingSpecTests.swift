import Foundation
import Learning
import Registry
import Testing

@Suite("Training specs")
struct TrainingSpecTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test("the example pipelines parse", arguments: ["click", "diamonds", "diamonds_gbdt", "diamonds_tuned", "promotion"])
    func examples(name: String) throws {
        let spec = try TrainingSpec.load(path: Self.repository.appendingPathComponent("pipelines/\(name).yaml").path)
        #expect(spec.name == name)
        #expect(!spec.hyperparameterSets.isEmpty)
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
