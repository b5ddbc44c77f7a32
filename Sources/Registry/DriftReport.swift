public import Foundation
public import Learning
import Storage

/// Served traffic against the training rows, per feature, for one version: the features of
/// its latest logged predictions (from `request_log`, read off the request path, bounded)
/// profiled on its training profile's edges and levels, and compared (PSI, KS, missing and
/// unknown-level rates).
public struct DriftReport: Sendable, Encodable {
    public var modelID: Int64
    public var name: String
    public var version: Int
    public var since: Date
    /// Logged /predict requests read (a shadow version's: those it scored), and the rows
    /// they held.
    public var requests: Int
    public var rows: Int
    public var trainingRows: Int
    public var features: [FeatureDrift]

    /// Requests read at most (the latest).
    public static let requestLimit = 10_000
    public static let rowLimit = 200_000

    enum CodingKeys: String, CodingKey {
        case modelID = "model_id", name, version, since, requests, rows, trainingRows = "training_rows", features
    }

    public init(registry: ModelRegistry, modelID: Int64, window: TimeInterval, now: Date = Date()) throws {
        let record = try registry.record(id: modelID)
        guard
            let row = try registry.database.query(
                "SELECT profile FROM model_profiles WHERE model_id = ?", [.integer(modelID)]
            )
            .first, let text = row[0].string
        else {
            throw RegistryError(
                .notFound,
                "version \(modelID) has no training profile (versions trained before profiles, or learnt online)")
        }
        let training: FeatureProfile
        do {
            training = try JSONText.decode(FeatureProfile.self, from: text)
        } catch {
            throw RegistryError(.badValue, "model_profiles: version \(modelID): the profile does not decode: \(error)")
        }
        since = now.addingTimeInterval(-window)
        let window = RequestLogStore.received(since: since, dialect: registry.database.dialect)
        let logged = try registry.database.query(
            """
            SELECT request_body FROM request_log
            WHERE \(window.sql) AND model_id = ? AND path IN ('/predict', ?) AND status = 200
              AND request_body_encoding IS NULL
            ORDER BY received_at DESC LIMIT ?
            """,
            window.parameters + [.integer(modelID), .text(LogEntry.shadowPath), .integer(Int64(Self.requestLimit))])
        let names = record.featureSchema.all
        var values: [String: [FeatureValue]] = Dictionary(uniqueKeysWithValues: names.map { ($0, []) })
        var rows = 0
        for entry in logged {
            guard rows < Self.rowLimit, let body = entry[0].string,
                let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
            else { continue }
            let instances =
                (object["instances"] as? [[String: Any]]) ?? (object["features"] as? [String: Any]).map { [$0] } ?? []
            for instance in instances.prefix(Self.rowLimit - rows) {
                rows += 1
                for name in names { values[name]!.append(Self.value(instance[name])) }
            }
        }
        self.modelID = modelID
        name = record.name
        version = record.version
        requests = logged.count
        self.rows = rows
        trainingRows = training.rows
        features = FeatureDrift.compare(training: training, served: training.served(values, rows: rows))
    }

    static func value(_ any: Any?) -> FeatureValue {
        switch any {
        case let text as String: .text(text)
        case let number as NSNumber: .number(number.doubleValue)
        default: .missing
        }
    }
}
