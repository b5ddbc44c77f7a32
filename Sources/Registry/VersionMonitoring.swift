public import Foundation
public import Learning
import Storage

/// How a version is doing in service: its live quality on the rows that have feedback (the
/// task's metrics, computed as at training), over all time and over a recent window, next to
/// its held-out figures from training; calibration for probabilities; and its request rate and
/// latency over time. Reads the feedback table by version and time (indexed, bounded to its
/// latest rows) and the per-minute request figures by key.
public struct VersionMonitoring: Sendable, Encodable {
    public var modelID: Int64
    public var name: String
    public var version: Int
    public var kind: String
    public var task: ModelTask
    /// Held-out metrics from training, and which set they come from.
    public var training: [String: Double]
    public var trainingEvaluatedOn: String
    public var live: Live
    public var calibration: [CalibrationBin]?
    /// Request rate and latency over the window (from `request_minutes`).
    public var requests: RequestActivity
    /// For a shadow version: against the answering version on the same requests.
    public var shadow: ShadowComparison?
    /// For a canary (a weighted version of a split that is not production): its recent
    /// live metrics against production's over the same window.
    public var canary: Canary?

    public struct Canary: Sendable, Encodable {
        public var productionModelID: Int64
        public var weight: Double
        public var production: Window
        /// canary - production, per metric of the recent window.
        public var delta: [String: Double]

        enum CodingKeys: String, CodingKey {
            case productionModelID = "production_model_id", weight, production, delta
        }
    }

    public struct Live: Sendable, Encodable {
        public var all: Window
        public var recent: Window
    }

    public struct Window: Sendable, Encodable {
        /// Predictions made since (nil: all time).
        public var since: Date?
        public var rows: Int
        public var metrics: [String: Double]
    }

    /// Rows read at most per figure.
    public static let sampleLimit = 1_000_000

    enum CodingKeys: String, CodingKey {
        case modelID = "model_id", name, version, kind, task, training, trainingEvaluatedOn = "training_evaluated_on"
        case live, calibration, requests, shadow, canary
    }

    /// The version's figures; `window` seconds back for the recent ones.
    public init(registry: ModelRegistry, modelID: Int64, window: TimeInterval, now: Date = Date()) throws {
        let record = try registry.record(id: modelID)
        let settings = try ModelSettings(kind: record.kind, record.hyperparameters)
        let feedback = FeedbackStore(registry: registry)
        let since = now.addingTimeInterval(-window)
        func measured(_ rows: (predicted: [Double], actual: [Double]), since: Date?) -> Window {
            let metrics = rows.actual.isEmpty ? [:] : settings.evaluation(truth: rows.actual, rows.predicted).named
            return Window(since: since, rows: rows.actual.count, metrics: metrics)
        }
        let all = try feedback.labelled(modelID: modelID, limit: Self.sampleLimit)
        self.modelID = modelID
        name = record.name
        version = record.version
        kind = record.kind.rawValue
        task = record.task
        training = record.metrics.heldOut
        trainingEvaluatedOn = record.metrics.evaluatedOn
        live = Live(
            all: measured(all, since: nil),
            recent: measured(
                try feedback.labelled(modelID: modelID, since: since, limit: Self.sampleLimit), since: since))
        calibration =
            task == .binaryClassification && !all.actual.isEmpty
            ? CalibrationBin.bins(truth: all.actual, probabilities: all.predicted) : nil
        requests = try RequestActivity(database: registry.database, modelID: modelID, since: since, now: now)
        shadow = try ShadowComparison(registry: registry, modelID: modelID, settings: settings, since: since)
        if let split = try registry.traffic().first(where: { $0.name == record.name }),
            let weight = split.weights[modelID],
            let productionID = try registry.productionID(name: record.name), productionID != modelID
        {
            let theirs = measured(
                try feedback.labelled(modelID: productionID, since: since, limit: Self.sampleLimit),
                since: since)
            var delta: [String: Double] = [:]
            for (metric, value) in live.recent.metrics where metric != "rows" {
                if let other = theirs.metrics[metric] { delta[metric] = value - other }
            }
            canary = Canary(productionModelID: productionID, weight: weight, production: theirs, delta: delta)
        }
    }
}
