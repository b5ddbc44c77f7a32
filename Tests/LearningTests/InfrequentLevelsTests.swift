import Foundation
import Learning
import Testing

/// OneHotEncoder's `infrequent_if_exist` encoding, as scikit-learn writes it.
struct InfrequentFixture: Decodable {
    struct Case: Decodable {
        let options: [String: Double]
        let columns: [String]
        let encoded: [[Double]]
    }

    let column: [String]
    let probe: [String]
    let cases: [Case]

    static func load() throws -> InfrequentFixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/infrequent.json")
        return try JSONDecoder().decode(InfrequentFixture.self, from: Data(contentsOf: url))
    }
}

@Suite("Categorical levels: rare ones pooled, designs that cannot fit refused")
struct InfrequentLevelsTests {
    @Test("max_categories and min_frequency keep and encode levels as scikit-learn's OneHotEncoder does")
    func matchesScikitLearn() throws {
        let fixture = try InfrequentFixture.load()
        for reference in fixture.cases {
            var hyperparameters: Hyperparameters = ["penalty": .text("l2"), "drop_first": .bool(false)]
            for (name, value) in reference.options { hyperparameters[name] = .number(value) }
            let data = TrainingData(
                numeric: [:], categorical: ["c": fixture.column.map { Optional($0) }],
                target: fixture.column.indices.map { Double($0 % 2) })
            let model = try Model.train(
                kind: .logistic, data: data, schema: FeatureSchema(numeric: [], categorical: ["c"]),
                hyperparameters: hyperparameters)
            let expected = reference.columns.map { "c=" + ($0 == "infrequent_sklearn" ? "infrequent" : $0) }
            #expect(model.featureNames == expected, "\(reference.options)")
            for (value, row) in zip(fixture.probe, reference.encoded) {
                var vector = [Double](repeating: -1, count: model.featureNames.count)
                let unknown = try vector.withUnsafeMutableBufferPointer {
                    try model.preprocessor.encode(["c": .text(value)], into: $0)
                }
                #expect(vector == row, "\(reference.options) \(value)")
                #expect(unknown.unknownCategories == 0)
            }
        }
    }

    @Test("a 60,000-level column trains with the default cap; without a cap it is refused before allocating")
    func highCardinality() throws {
        let n = 60_000
        let data = TrainingData(
            numeric: [:], categorical: ["c": (0..<n).map { Optional("k\($0)") }],
            target: (0..<n).map { Double($0 % 2) })
        let schema = FeatureSchema(numeric: [], categorical: ["c"])
        let model = try Model.train(kind: .logistic, data: data, schema: schema, hyperparameters: ["max_iter": .number(5)])
        #expect(model.featureNames.count == ModelSettings.defaultMaxCategories)
        #expect(model.featureNames.last == "c=infrequent")
        do {
            _ = try Model.train(
                kind: .logistic, data: data, schema: schema, hyperparameters: ["max_categories": .number(1e6)])
            Issue.record("a 57.6 GB design was not refused")
        } catch let error as LearningError {
            #expect(error.code == .tooLarge)
            #expect(error.message.contains("categorical feature c has 60,000 levels"), "\(error.message)")
            #expect(error.message.contains("57.6 GB"), "\(error.message)")
            #expect(error.message.contains("max_categories"))
        }
    }

    @Test("artifacts written before pooling existed still load and predict")
    func oldArtifactsLoad() throws {
        let data = TrainingData(
            numeric: [:], categorical: ["c": ["a", "b", "a", "c", "b", "a"].map { Optional($0) }],
            target: [1, 0, 1, 0, 0, 1])
        let model = try Model.train(
            kind: .logistic, data: data, schema: FeatureSchema(numeric: [], categorical: ["c"]))
        var text = String(decoding: try model.artifactJSON(), as: UTF8.self)
        #expect(!text.contains("infrequent"))
        text = text.replacingOccurrences(of: ",\"infrequent\":null", with: "")
        let loaded = try Model.fromArtifact(Data(text.utf8))
        #expect(loaded.featureNames == model.featureNames)
    }
}
