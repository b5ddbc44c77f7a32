public import Foundation
public import Learning
import Storage

/// How a version is doing in service: its live quality on the rows that have feedback (the
/// task's metrics, computed as at training), over all time and over a recent window, next to
/// its held-out figures from training; calibration for probabilities; and its requests and
/// latency from the log. Reads the feedback table and the log by version and time (indexed),
/// each bounded to its latest rows.
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
    public var requests: Requests
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

    public struct Requests: Sendable, Encodable {
        public var since: Date
        /// Requests in the window (up to `sampleLimit`, the latest).
        public var count: Int
        public var errors: Int
        public var latencyMilliseconds: [String: Double]

        enum CodingKeys: String, CodingKey {
            case since, count, errors, latencyMilliseconds = "latency_milliseconds"
        }
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
        let log = try registry.database.query(
            """
            SELECT latency_us, status FROM request_log WHERE model_id = ? AND received_at >= ?
            ORDER BY received_at DESC LIMIT ?
            """, [.integer(modelID), .timestamp(since), .integer(Int64(Self.sampleLimit))])
        var latencies = log.compactMap { $0[0].int64 }.map { Double($0) / 1000 }
        latencies.sort()
        func percentile(_ q: Double) -> Double? {
            guard !latencies.isEmpty else { return nil }
            // Linear between closest ranks, as numpy's default.
            let position = q * Double(latencies.count - 1)
            let lower = Int(position)
            let upper = min(lower + 1, latencies.count - 1)
            return latencies[lower] + (latencies[upper] - latencies[lower]) * (position - Double(lower))
        }
        var latency: [String: Double] = [:]
        for (name, q) in [("p50", 0.5), ("p95", 0.95), ("p99", 0.99)] { latency[name] = percentile(q) }
        requests = Requests(
            since: since, count: log.count, errors: log.filter { ($0[1].int64 ?? 0) >= 400 }.count,
            latencyMilliseconds: latency)
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
