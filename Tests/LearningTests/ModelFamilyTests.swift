import Foundation
import Learning
import TestSupport
import Testing

@Suite("Model families: one table of kinds")
struct ModelFamilyTests {
    @Test("a kind registered from outside trains, predicts, is evaluated by its task and round-trips its artifact")
    func registeredKind() throws {
        ModelFamilies.register(MeanFamily())
        let kind = try #require(ModelKind(rawValue: "test_mean"))
        #expect(ModelKind.allCases.contains(kind))
        #expect(kind.task == .regression)
        #expect(ModelSettings.validNames(for: kind).contains("shift"))
        let data = TrainingData(numeric: ["x": NumericColumn([1, 2, 3, 4])], target: [2, 4, 6, 8])
        let model = try Model.train(
            kind: kind, data: data, schema: FeatureSchema(numeric: ["x"], categorical: []),
            hyperparameters: ["shift": .number(1)])
        #expect(try model.predict(["x": .number(10)]).prediction == .regression(value: 6))
        guard case .regression(let metrics) = try model.evaluate(on: data) else {
            Issue.record("a regression kind was not evaluated as a regression")
            return
        }
        #expect(metrics.mae == 2)
        let artifact = try model.artifactJSON()
        #expect(String(decoding: artifact, as: UTF8.self).contains("\"estimator\":6"))
        #expect(try Model.fromArtifact(artifact) == model)
        #expect(throws: LearningError.self) {
            try ModelSettings(kind: kind, ["shift": .number(1), "C": .number(2)])
        }
    }

    @Test("an unknown kind in an artifact is a clear error naming the valid ones")
    func unknownKind() {
        let text = #"{"format":"modelserve.model","schema_version":2,"kind":"forest"}"#
        let error = #expect(throws: LearningError.self) { try Model.fromArtifact(Data(text.utf8)) }
        #expect(error?.message.contains("unknown model kind 'forest'; valid: logistic, linear") == true, "\(error?.message ?? "")")
    }
}
