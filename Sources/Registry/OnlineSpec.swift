import Foundation
public import Learning

/// What to learn online: a paginated source, how many pages make a batch, and the models fed
/// every batch, each a kind with its target and features (and optionally only the rows where
/// a column has a value). `colliders` names columns caused by others, so the reports say
/// which regression to believe and why.
public struct OnlineSpec: Sendable, Equatable, Codable {
    public var name: String
    /// The source's URL; `ingest --source` overrides it.
    public var source: String?
    public var pagesPerBatch = 10
    /// Every this many batches (and at the end) each model is registered as a version.
    public var registerEvery = 50
    /// A 4xx answer after the last page is the end of the data (some sources answer 404).
    public var clientErrorEndsData = true
    public var models: [Model]
    public var colliders: [String] = []

    public struct Model: Sendable, Equatable, Codable {
        /// The registry name its versions take.
        public var name: String
        public var kind: ModelKind
        public var target: String
        public var features: [String]
        public var hyperparameters: Hyperparameters = [:]
        /// Learn only from rows where these columns have these values (a selection).
        public var only: [String: Double] = [:]

        public init(name: String, kind: ModelKind, target: String, features: [String]) {
            self.name = name
            self.kind = kind
            self.target = target
            self.features = features
        }

        enum CodingKeys: String, CodingKey {
            case name, kind, target, features, hyperparameters, only
        }

        /// "network_ability ~ competence + promoted | promoted = 1", for people.
        public var formula: String {
            var text = "\(target) ~ \(features.joined(separator: " + "))"
            if !only.isEmpty {
                text +=
                    " | "
                    + only.sorted { $0.key < $1.key }.map { "\($0.key) = \(HyperparameterValue.number($0.value))" }
                    .joined(separator: ", ")
            }
            return text
        }
    }

    enum CodingKeys: String, CodingKey {
        case name, source, pagesPerBatch = "pages_per_batch", registerEvery = "register_every"
        case clientErrorEndsData = "client_error_ends_data", models, colliders
    }

    public init(name: String, models: [Model]) {
        self.name = name
        self.models = models
    }

    /// Every column a page must carry, in first-use order: targets, features, filters.
    public var columns: [String] {
        var seen: [String] = []
        for model in models {
            for column in [model.target] + model.features + model.only.keys.sorted() where !seen.contains(column) {
                seen.append(column)
            }
        }
        return seen
    }

    /// Checks what can be checked before fetching: names, sizes, kinds and settings.
    public func validate() throws {
        try TrainingSpec.checkName(name, field: "name")
        guard (1...10_000).contains(pagesPerBatch) else {
            throw SpecError(field: "pages_per_batch", message: "must be from 1 to 10,000; got \(pagesPerBatch)")
        }
        guard registerEvery >= 1 else {
            throw SpecError(field: "register_every", message: "must be at least 1; got \(registerEvery)")
        }
        guard !models.isEmpty else { throw SpecError(field: "models", message: "lists no model") }
        var names: Set<String> = []
        for (i, model) in models.enumerated() {
            let field = "models[\(i)]"
            try TrainingSpec.checkName(model.name, field: "\(field).name")
            guard names.insert(model.name).inserted else {
                throw SpecError(field: "\(field).name", message: "\(model.name) is the name of an earlier model")
            }
            do {
                _ = try OnlineModel(
                    kind: model.kind, target: model.target, features: model.features,
                    hyperparameters: model.hyperparameters)
            } catch let error as LearningError {
                throw SpecError(field: field, message: error.message)
            }
            if let filtered = model.only.keys.first(where: { model.features.contains($0) }) {
                throw SpecError(
                    field: "\(field).only", message: "\(filtered) is a feature: a column fixed by only: is constant")
            }
        }
        let known = Set(columns)
        if let unknown = colliders.first(where: { !known.contains($0) }) {
            throw SpecError(
                field: "colliders",
                message: "\(unknown) is not a column of any model; columns: \(columns.joined(separator: ", "))")
        }
    }
}
