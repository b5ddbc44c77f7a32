import Foundation
import Learning
import Storage

/// A shadow version against the version that answered, on the same requests: how often
/// they agree (the same label, or for regressions the mean absolute difference), and the
/// task's metrics of both on the rows that have feedback. Read from the log's shadow rows
/// (`id-shadow-N`) joined to the answered rows and their feedback; bounded to the latest
/// `limit` shadow rows in the window.
public struct ShadowComparison: Sendable, Encodable {
    /// The version that answered those requests (most of them, if production changed).
    public var againstModelID: Int64?
    public var requests: Int
    public var rows: Int
    /// Classifiers: share of rows with the same label; regressions: nil.
    public var agreement: Double?
    /// Regressions: mean |shadow - answered|; classifiers: mean |Δ probability|.
    public var meanAbsoluteDifference: Double?
    public var labelledRows: Int
    public var shadowMetrics: [String: Double]
    public var answeredMetrics: [String: Double]
    /// shadow - answered, per metric.
    public var delta: [String: Double]

    static let limit = 10_000

    enum CodingKeys: String, CodingKey {
        case againstModelID = "against_model_id", requests, rows, agreement
        case meanAbsoluteDifference = "mean_absolute_difference", labelledRows = "labelled_rows"
        case shadowMetrics = "shadow_metrics", answeredMetrics = "answered_metrics", delta
    }

    /// nil when the version shadowed nothing in the window.
    init?(registry: ModelRegistry, modelID: Int64, settings: ModelSettings, since: Date) throws {
        let suffix = "-shadow-\(modelID)"
        let window = RequestLogStore.received(since: since, dialect: registry.database.dialect, table: "s")
        let rows = try registry.database.query(
            """
            SELECT p.request_id, p.model_id, p.response_body, s.response_body FROM request_log s
            JOIN request_log p ON p.request_id = substr(s.request_id, 1, length(s.request_id) - CAST(? AS INTEGER))
            WHERE s.model_id = ? AND s.path = ? AND s.status = 200 AND \(window.sql)
            ORDER BY s.id DESC LIMIT ?
            """,
            [.integer(Int64(suffix.count)), .integer(modelID), .text(LogEntry.shadowPath)] + window.parameters
                + [.integer(Int64(Self.limit))])
        guard !rows.isEmpty else { return nil }
        // Each pair's answered and shadow predictions, row by row.
        var pairs: [(requestID: String, index: Int, answered: Double, shadow: Double)] = []
        var against: [Int64: Int] = [:]
        for row in rows {
            guard let id = row[0].string, let answeredBody = row[2].string, let shadowBody = row[3].string,
                let answered = Self.predictions(answeredBody), let shadow = Self.predictions(shadowBody),
                answered.count == shadow.count
            else { continue }
            if let model = row[1].int64 { against[model, default: 0] += 1 }
            for (i, (a, s)) in zip(answered, shadow).enumerated() {
                guard let a, let s else { continue }
                pairs.append((id, i, a, s))
            }
        }
        againstModelID = against.max { $0.value < $1.value }?.key
        requests = rows.count
        self.rows = pairs.count
        let threshold = settings.threshold
        if settings.task == .binaryClassification {
            agreement =
                pairs.isEmpty
                ? nil
                : Double(pairs.filter { ($0.answered > threshold) == ($0.shadow > threshold) }.count)
                    / Double(pairs.count)
        }
        meanAbsoluteDifference =
            pairs.isEmpty ? nil : pairs.map { abs($0.shadow - $0.answered) }.reduce(0, +) / Double(pairs.count)
        // The labels of those rows.
        var truth: [Double] = []
        var shadowPredicted: [Double] = []
        var answeredPredicted: [Double] = []
        // One read of the answering versions' labels in the window, joined in memory.
        var actual: [String: Double] = [:]
        for model in against.keys {
            let labels = try registry.database.query(
                "SELECT request_id, row_index, actual FROM feedback WHERE model_id = ? AND predicted_at >= ?",
                [.integer(model), .timestamp(since)])
            for label in labels {
                guard let id = label[0].string, let index = label[1].int64, let value = label[2].double else {
                    continue
                }
                actual["\(id)#\(index)"] = value
            }
        }
        for pair in pairs {
            guard let value = actual["\(pair.requestID)#\(pair.index)"] else { continue }
            truth.append(value)
            shadowPredicted.append(pair.shadow)
            answeredPredicted.append(pair.answered)
        }
        labelledRows = truth.count
        shadowMetrics = truth.isEmpty ? [:] : settings.evaluation(truth: truth, shadowPredicted).named
        answeredMetrics = truth.isEmpty ? [:] : settings.evaluation(truth: truth, answeredPredicted).named
        delta = [:]
        for (name, value) in shadowMetrics where name != "rows" {
            if let other = answeredMetrics[name] { delta[name] = value - other }
        }
    }

    /// The predicted values of a logged answer: the probability or value of each row (a
    /// single answer is one row; a shadow's failed row is nil).
    static func predictions(_ body: String) -> [Double?]? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else {
            return nil
        }
        if let rows = object["predictions"] as? [Any] {
            return rows.map { row in
                if let value = row as? Double { return value }
                if let answer = row as? [String: Any] {
                    return (answer["probability"] ?? answer["prediction"]) as? Double
                }
                return nil
            }
        }
        return [(object["probability"] ?? object["prediction"]) as? Double]
    }
}
