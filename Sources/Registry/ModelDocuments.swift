public import Foundation
public import Learning

/// The JSON shapes of registry records, shared by `models ... --json` and the HTTP API.
public enum ModelDocuments {
    /// id, name, version, kind, hyperparameters, metrics, created_at, production, row_count,
    /// data_fingerprint (and, for the current production, assigned_at and feature_schema).
    public struct Summary: Encodable, Sendable {
        public var id: Int64
        public var name: String
        public var version: Int
        public var kind: ModelKind
        public var hyperparameters: Hyperparameters
        public var metrics: VersionMetrics
        public var createdAt: Date
        public var production: Bool
        public var rowCount: Int?
        public var dataFingerprint: String?
        public var assignedAt: Date?
        public var featureSchema: FeatureSchema?

        enum CodingKeys: String, CodingKey {
            case id, name, version, kind, hyperparameters, metrics, createdAt = "created_at", production
            case rowCount = "row_count", dataFingerprint = "data_fingerprint", assignedAt = "assigned_at"
            case featureSchema = "feature_schema"
        }

        public init(_ record: ModelRecord, assignedAt: Date? = nil, withSchema: Bool = false) {
            id = record.id
            name = record.name
            version = record.version
            kind = record.kind
            hyperparameters = record.hyperparameters
            metrics = record.metrics
            createdAt = record.createdAt
            production = record.isProduction || assignedAt != nil
            rowCount = record.rowCount
            dataFingerprint = record.dataFingerprint
            self.assignedAt = assignedAt
            featureSchema = withSchema ? record.featureSchema : nil
        }
    }

    /// Everything about a version, coefficients keyed by feature name.
    public struct Detail: Encodable, Sendable {
        public var summary: Summary
        public var featureSchema: FeatureSchema
        public var trainingQuery: String?
        public var trainingSeconds: Double?
        public var coefficients: [String: Double]
        public var intercept: Double
        public var training: TrainingSummary
        /// Trees: each encoded feature's share of the total split gain.
        public var importance: [String: Double]?
        public var trees: Int?

        enum CodingKeys: String, CodingKey {
            case featureSchema = "feature_schema", trainingQuery = "training_query"
            case trainingSeconds = "training_seconds", coefficients, intercept, training, importance, trees
        }

        /// `withQuery`: include the training query (its SQL names tables and columns, so the
        /// HTTP API shows it only to admin callers).
        public init(_ record: ModelRecord, withQuery: Bool = true) throws {
            let model = try record.model()
            summary = Summary(record)
            featureSchema = record.featureSchema
            trainingQuery = withQuery ? record.trainingQuery : nil
            trainingSeconds = record.trainingSeconds
            coefficients = Dictionary(uniqueKeysWithValues: model.namedCoefficients.map { ($0.name, $0.value) })
            intercept = model.intercept
            training = model.training
            if let ensemble = model.estimator as? TreeEnsemble {
                importance = Dictionary(
                    uniqueKeysWithValues: ensemble.importance(featureNames: model.featureNames).map { ($0.name, $0.gain) })
                trees = ensemble.trees.count
            }
        }

        public func encode(to encoder: any Encoder) throws {
            try summary.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(featureSchema, forKey: .featureSchema)
            try container.encodeIfPresent(trainingQuery, forKey: .trainingQuery)
            try container.encodeIfPresent(trainingSeconds, forKey: .trainingSeconds)
            try container.encode(coefficients, forKey: .coefficients)
            try container.encode(intercept, forKey: .intercept)
            try container.encode(training, forKey: .training)
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
