public import Foundation

/// A model learning online: a kind's body that has seen some batches, and its progressive
/// metrics. Features are numeric, given in `features` order; the body scales them itself
/// as it goes, so there is no preprocessing fitted up front. Its state is one JSON
/// document, so a run checkpoints it and resumes exactly where it stopped.
public struct OnlineModel: Sendable {
    public let kind: ModelKind
    public let target: String
    public let features: [String]
    public let hyperparameters: Hyperparameters
    public let settings: ModelSettings
    public private(set) var estimator: any OnlineEstimator
    public private(set) var metrics: ProgressiveMetrics

    /// A model that has seen nothing; the kind must learn online and the hyperparameters
    /// be its own (shared preprocessing needs the data up front, so it is refused).
    public init(kind: ModelKind, target: String, features: [String], hyperparameters: Hyperparameters = [:]) throws {
        let family = try kind.onlineFamily
        guard !features.isEmpty else { throw LearningError(.emptyData, "an online model needs at least one feature") }
        if let repeated = Dictionary(grouping: features + [target], by: { $0 }).first(where: { $0.value.count > 1 }) {
            throw LearningError(.shapeMismatch, "column \(repeated.key) is listed twice among the target and features")
        }
        let settings = try ModelSettings(kind: kind, hyperparameters)
        for shared in ["standardize", "missing", "drop_first", "max_categories", "min_frequency"]
        where hyperparameters[shared] != nil {
            throw LearningError(
                .invalidHyperparameter,
                "\(shared) is not a setting of an online model: it needs the data up front (online models scale as they go)"
            )
        }
        self.kind = kind
        self.target = target
        self.features = features
        self.hyperparameters = hyperparameters
        self.settings = settings
        estimator = try family.start(featureNames: features, settings.parameters)
        metrics = ProgressiveMetrics(task: settings.task)
    }

    public var task: ModelTask { settings.task }
    public var rowsSeen: Int { estimator.rowsSeen }

    /// Scores the batch with the model as it stands (progressive validation), then learns
    /// from it. `x` has one column per feature. Returns the batch's metrics; on an error
    /// nothing is learnt.
    @discardableResult
    public mutating func learn(_ x: Matrix, _ y: [Double]) throws -> [String: Double] {
        guard x.columns == features.count, x.rows == y.count else {
            throw LearningError(
                .shapeMismatch,
                "batch is \(x.rows) x \(x.columns) with \(y.count) targets; expected \(features.count) features")
        }
        let predicted = estimator.predict(design: x).map(\.value)
        var next = estimator
        try next.partialFit(x, y)
        estimator = next
        return metrics.record(truth: y, predicted: predicted, threshold: settings.parameters.labelThreshold)
    }

    /// The model as it stands, to register and serve like any version.
    public var model: Model {
        Model(
            kind: kind, schema: FeatureSchema(numeric: features),
            preprocessor: Preprocessor(
                numeric: features.map { Preprocessor.Numeric(name: $0, center: 0, scale: 1, fill: nil) },
                categorical: [], missing: .error, standardize: false, categories: nil),
            estimator: estimator, hyperparameters: hyperparameters, settings: settings, training: training)
    }

    private var training: TrainingSummary {
        var summary = TrainingSummary(rows: rowsSeen, iterations: metrics.batches, converged: true, solver: "online")
        summary.olsInference = estimator.olsInference
        return summary
    }

    /// The terms as they stand, intercept first.
    public func estimates() throws -> [TermEstimate] { try estimator.estimates(featureNames: features) }

    // MARK: State

    struct State: Codable {
        var target: String
        var artifact: String
        var metrics: ProgressiveMetrics
    }

    /// Everything needed to resume: the artifact and the running metrics.
    public func state() throws -> Data {
        let artifact = try model.artifactJSON()
        return try JSONEncoder().encode(
            State(target: target, artifact: String(decoding: artifact, as: UTF8.self), metrics: metrics))
    }

    /// Resumes from `state()`'s document.
    public init(state: Data) throws {
        let decoded: State
        do {
            decoded = try JSONDecoder().decode(State.self, from: state)
        } catch {
            throw LearningError(.malformedArtifact, "online model state is not valid: \(error)")
        }
        let model = try Model.fromArtifact(Data(decoded.artifact.utf8))
        guard let estimator = model.estimator as? any OnlineEstimator else {
            throw LearningError(.malformedArtifact, "the state's model (\(model.kind)) does not learn online")
        }
        kind = model.kind
        target = decoded.target
        features = model.schema.numeric
        hyperparameters = model.hyperparameters
        settings = model.settings
        self.estimator = estimator
        metrics = decoded.metrics
    }
}
