public import Foundation
public import Learning

/// The JSON shapes of registry records, shared by `models ... --json` and the HTTP API.
public enum ModelDocuments {
    /// A version in a list: the registry's id and version, whether it is production, and the
    /// record's fields but the artifact, the query and the schema (the current production
    /// adds assigned_at and feature_schema).
    public struct Summary: Encodable, Sendable {
        public var record: ModelRecord
        public var assignedAt: Date?
        public var withSchema: Bool

        static let fields: Set<ModelRegistry.Draft.Field> = [
            .name, .kind, .hyperparameters, .metrics, .createdAt, .rowCount, .dataFingerprint, .provenance,
        ]

        enum CodingKeys: String, CodingKey {
            case id, version, production, assignedAt = "assigned_at"
        }

        public init(_ record: ModelRecord, assignedAt: Date? = nil, withSchema: Bool = false) {
            self.record = record
            self.assignedAt = assignedAt
            self.withSchema = withSchema
        }

        public func encode(to encoder: any Encoder) throws {
            try encode(to: encoder, fields: withSchema ? Self.fields.union([.featureSchema]) : Self.fields)
        }

        func encode(to encoder: any Encoder, fields: Set<ModelRegistry.Draft.Field>) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(record.id, forKey: .id)
            try c.encode(record.version, forKey: .version)
            try c.encode(record.isProduction || assignedAt != nil, forKey: .production)
            try c.encodeIfPresent(assignedAt, forKey: .assignedAt)
            try record.registered.encode(to: encoder, fields: fields)
        }
    }

    /// Everything about a version but its artifact: the summary, the schema, the training
    /// time (and the query, for admins), and what the model says of itself: coefficients
    /// keyed by feature name, or importance and tree count.
    public struct Detail: Encodable, Sendable {
        public var summary: Summary
        public var withQuery: Bool
        public var coefficients: [String: Double]
        public var intercept: Double
        public var training: TrainingSummary
        /// Unpenalised linear and logistic fits: the inference table keyed by term name.
        public var inference: InferenceTable?
        /// Trees: each encoded feature's share of the total split gain.
        public var importance: [String: Double]?
        public var trees: Int?

        enum CodingKeys: String, CodingKey {
            case coefficients, intercept, training, inference, importance, trees
        }

        /// `withQuery`: include the training query (its SQL names tables and columns, so the
        /// HTTP API shows it only to admin callers).
        public init(_ record: ModelRecord, withQuery: Bool = true) throws {
            let model = try record.model()
            summary = Summary(record)
            self.withQuery = withQuery
            coefficients = Dictionary(uniqueKeysWithValues: model.namedCoefficients.map { ($0.name, $0.value) })
            intercept = model.intercept
            training = model.training
            inference = model.inferenceTable
            if let ensemble = model.estimator as? TreeEnsemble {
                importance = Dictionary(
                    uniqueKeysWithValues: ensemble.importance(featureNames: model.featureNames).map {
                        ($0.name, $0.gain)
                    })
                trees = ensemble.trees.count
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var fields = Summary.fields.union([.featureSchema, .trainingSeconds, .dataProfileID, .card])
            if withQuery { fields.insert(.trainingQuery) }
            try summary.encode(to: encoder, fields: fields)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(coefficients, forKey: .coefficients)
            try container.encode(intercept, forKey: .intercept)
            // The statsmodels arrays stay in the artifact; the document has them keyed by term.
            var fit = training
            fit.olsInference = nil
            fit.logisticInference = nil
            try container.encode(fit, forKey: .training)
            try container.encodeIfPresent(inference, forKey: .inference)
            try container.encodeIfPresent(importance, forKey: .importance)
            try container.encodeIfPresent(trees, forKey: .trees)
        }
    }

    /// A production change.
    public struct AssignmentDocument: Encodable, Sendable {
        public var name: String
        public var fromModelID: Int64?
        public var toModelID: Int64
        public var version: Int
        public var assignedBy: String
        public var assignedAt: Date

        enum CodingKeys: String, CodingKey {
            case name, fromModelID = "from_model_id", toModelID = "to_model_id", version
            case assignedBy = "assigned_by", assignedAt = "assigned_at"
        }

        public init(_ assignment: ModelRegistry.Assignment, version: Int) {
            name = assignment.name
            fromModelID = assignment.fromModelID
            toModelID = assignment.toModelID
            self.version = version
            assignedBy = assignment.assignedBy
            assignedAt = assignment.assignedAt
        }
    }

    /// JSON text of a document: sorted keys, ISO 8601 dates, non-finite numbers as strings.
    public static func json<T: Encodable>(_ value: T, pretty: Bool = false) throws -> String {
        try JSONText.encode(value, pretty: pretty)
    }
}
