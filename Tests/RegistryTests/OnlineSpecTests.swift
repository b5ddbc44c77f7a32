import Foundation
import Learning
import Registry
import Testing

@Suite("Online specs")
struct OnlineSpecTests {
    @Test("the shipped spec reads: four models, a collider, and a note that believes the regression without it")
    func shipped() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../pipelines/promotion-online.yaml"
        ).standardized.path
        let spec = try OnlineSpec.load(path: path)
        #expect(
            spec.models.map(\.kind.rawValue) == ["online_logistic", "online_linear", "online_linear", "online_linear"])
        #expect(spec.columns == ["promoted", "network_ability", "competence"])
        #expect(spec.colliders == ["promoted"])
        let notes = spec.colliderNotes(estimates: [
            "network-competence": [
                TermEstimate(term: "intercept", value: 0), TermEstimate(term: "competence", value: -0.01, pValue: 0.6),
            ],
            "network-competence-promoted": [TermEstimate(term: "competence", value: -0.33, pValue: 1e-9)],
        ])
        let note = try #require(notes.first)
        #expect(note.term == "competence")
        #expect(note.believe == ["network-competence"])
        #expect(note.biased == ["network-competence-promoted", "network-competence-among-promoted"])
        #expect(note.text.contains("competence -0.330, p < 0.001") && note.text.contains("Believe network-competence"))
        #expect(note.text.contains("Berkson"))
    }

    @Test(
        "bad specs name the field and line",
        arguments: [
            ("name: x\nmodels: []", "models", "must be a list of models"),
            (
                "name: x\nmodels:\n  - {name: m, kind: linear, target: y, features: [a]}", "models[0]",
                "does not learn online"
            ),
            (
                "name: x\nmodels:\n  - {name: m, kind: nope, target: y, features: [a]}", "models[0].kind",
                "online kinds: online_logistic, online_linear"
            ),
            (
                "name: x\nmodels:\n  - {name: m, kind: online_linear, target: y, features: [a]}\n  - {name: m, kind: online_linear, target: y, features: [b]}",
                "models[1].name", "earlier model"
            ),
            (
                "name: x\ncolliders: [z]\nmodels:\n  - {name: m, kind: online_linear, target: y, features: [a]}",
                "colliders", "not a column"
            ),
            (
                "name: x\npages_per_batch: 0\nmodels:\n  - {name: m, kind: online_linear, target: y, features: [a]}",
                "pages_per_batch", "from 1"
            ),
            (
                "name: x\nmodels:\n  - {name: m, kind: online_linear, target: y, features: [a], only: {a: 1}}",
                "models[0].only", "constant"
            ),
            (
                "name: x\nmodels:\n  - {name: m, kind: online_logistic, target: y, features: [a], hyperparameters: {standardize: true}}",
                "models[0]", "not a setting of an online model"
            ),
            ("name: x\nsauce: 1\nmodels: []", "sauce", "unknown field"),
        ])
    func refusals(_ text: String, field: String, message: String) {
        do {
            _ = try OnlineSpec.parse(text, file: "spec.yaml")
            Issue.record("accepted: \(text)")
        } catch let error as SpecError {
            #expect(error.field == field, "\(error)")
            #expect(error.message.contains(message), "\(error)")
            #expect(error.line != nil, "\(error) has a line")
        } catch {
            Issue.record("\(error)")
        }
    }
}
