import Foundation
public import Learning

/// One registered model version, as stored in `models`: what was registered (its name,
/// kind, hyperparameters, metrics, schema, artifact, ...; read through as `record.name`)
/// plus the id and version the registry gave it.
@dynamicMemberLookup
public struct ModelRecord: Sendable {
    public var id: Int64
    public var version: Int
    public var registered: ModelRegistry.Draft
    /// Whether this version is production for its name (filled by list and show).
    public var isProduction = false

    public subscript<T>(dynamicMember path: WritableKeyPath<ModelRegistry.Draft, T>) -> T {
        get { registered[keyPath: path] }
        set { registered[keyPath: path] = newValue }
    }

    /// What the version predicts (its kind, and for kinds with objectives its settings).
    public var task: ModelTask {
        (try? ModelSettings(kind: registered.kind, registered.hyperparameters).task) ?? registered.kind.task
    }

    /// Decodes the artifact into a model that predicts.
    public func model() throws -> Model {
        try Model.fromArtifact(Data(registered.artifact.utf8))
    }
}

/// A version's metrics: on the training rows, on the held-out rows (if any), and from
/// cross-validation (if asked).
public struct VersionMetrics: Sendable, Equatable, Codable {
    public var train: [String: Double]
    public var test: [String: Double]?
    public var crossValidation: CrossValidation?
    /// "test" or "train" (when the test fraction was 0): which set `heldOut` comes from.
    public var evaluatedOn: String

    public struct CrossValidation: Sendable, Equatable, Codable {
        public var folds: Int
        public var mean: [String: Double]
        public var standardDeviation: [String: Double]

        enum CodingKeys: String, CodingKey {
            case folds, mean, standardDeviation = "std"
        }
    }

    enum CodingKeys: String, CodingKey {
        case train, test, crossValidation = "cv", evaluatedOn = "evaluated_on"
    }

    /// The metrics to compare versions by: the test set's, or the training set's.
    public var heldOut: [String: Double] { test ?? train }

    public init(train: [String: Double], test: [String: Double]?, crossValidation: CrossValidation?) {
        self.train = train
        self.test = test
        self.crossValidation = crossValidation
        evaluatedOn = test == nil ? "train" : "test"
    }
}

/// Which direction is better for each metric (the task table's), for promotion decisions.
public enum MetricDirection {
    /// Whether `candidate` beats `incumbent` on `metric`; throws for an unknown metric.
    public static func isBetter(_ candidate: Double, than incumbent: Double, on metric: String) throws -> Bool {
        guard let known = ModelTask.metric(named: metric) else {
            throw RegistryError(
                .unknownMetric, "unknown metric '\(metric)'; valid: \(ModelTask.metricNames.joined(separator: ", "))")
        }
        return known.higherIsBetter ? candidate > incumbent : candidate < incumbent
    }
}
