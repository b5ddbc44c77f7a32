public import Foundation
import Learning
public import Storage

/// Ground truth for logged predictions: each label is joined to its request in
/// `request_log` by request id (`id#index` for a row of a batch), checked against the
/// version's task, and stored with what the version predicted, so live quality per version
/// is computed from this table alone.
public struct FeedbackStore: Sendable {
    public let registry: ModelRegistry
    public var database: any Database { registry.database }

    public init(registry: ModelRegistry) {
        self.registry = registry
    }

    /// One label: for request `requestID` (and row `index` of a batch), the actual value.
    public struct Item: Sendable, Equatable {
        public var requestID: String
        public var index: Int?
        public var actual: Double

        public init(requestID: String, index: Int?, actual: Double) {
            self.requestID = requestID
            self.index = index
            self.actual = actual
        }

        /// `abc` or `abc#3`, as the feedback names a row.
        public var reference: String { index.map { "\(requestID)#\($0)" } ?? requestID }

        /// Splits `abc#3` into the request id and the row.
        public static func parse(reference: String, actual: Double) throws -> Item {
            guard let hash = reference.lastIndex(of: "#") else {
                return Item(requestID: reference, index: nil, actual: actual)
            }
            guard let index = Int(reference[reference.index(after: hash)...]), index >= 0, index < 1_000_000 else {
                throw RegistryError(
                    .badValue, "request_id \(reference.prefix(80)): the row after # must be a whole number from 0")
            }
            return Item(requestID: String(reference[..<hash]), index: index, actual: actual)
        }
    }

    /// A label as stored.
    public struct Recorded: Sendable, Equatable {
        public var reference: String
        public var modelID: Int64
        public var predicted: Double
        public var actual: Double
    }

    /// The most labels one call takes.
    public static let maximumBatch = 10_000

    /// Records every item in one transaction (all or none). A label already given is a
    /// conflict unless `replace`; an unknown request is not found; a label that does not fit
    /// the version's task (0/1 for a classifier, a finite number for a regression) is refused.
    public func record(_ items: [Item], replace: Bool = false) throws -> [Recorded] {
        guard !items.isEmpty else { throw RegistryError(.badValue, "no feedback given") }
        guard items.count <= Self.maximumBatch else {
            throw RegistryError(
                .badValue, "at most \(Self.maximumBatch.formatted()) labels a request; got \(items.count.formatted())")
        }
        var tasks: [Int64: ModelTask] = [:]
        let now = Date()
        return try database.transaction { connection in
            try items.map { item in
                guard
                    let row = try connection.queryFirst(
                        "SELECT model_id, status, path, received_at, response_body, response_body_encoding FROM request_log WHERE request_id = ?",
                        [.text(item.requestID)])
                else {
                    throw RegistryError(
                        .notFound,
                        "no logged request \(item.requestID.prefix(80)) (a request is logged within a second of its answer)"
                    )
                }
                guard row["path"].string == "/predict", row["status"].int64 == 200, let modelID = row["model_id"].int64,
                    let body = row["response_body"].string, row["response_body_encoding"].isNull
                else {
                    throw RegistryError(.badValue, "request \(item.requestID.prefix(80)) is not an answered /predict")
                }
                let predicted = try Self.prediction(in: body, item)
                if tasks[modelID] == nil { tasks[modelID] = try registry.record(id: modelID).task }
                try Self.check(item, task: tasks[modelID]!)
                let values: [SQLValue] = [
                    .text(item.requestID), .integer(Int64(item.index ?? 0)), .integer(modelID), .double(predicted),
                    .double(item.actual), row["received_at"], .timestamp(now),
                ]
                let inserted = try connection.execute(
                    """
                    INSERT INTO feedback (request_id, row_index, model_id, predicted, actual, predicted_at, received_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (request_id, row_index) DO
                    """
                        + (replace
                            ? " UPDATE SET actual = excluded.actual, received_at = excluded.received_at" : " NOTHING"),
                    values)
                guard inserted == 1 else {
                    throw RegistryError(
                        .conflict,
                        "feedback for \(item.reference.prefix(90)) was already given; send \"replace\": true to replace it"
                    )
                }
                return Recorded(reference: item.reference, modelID: modelID, predicted: predicted, actual: item.actual)
            }
        }
    }

    /// What the logged answer predicted for the item's row: the probability, or the value.
    static func prediction(in body: String, _ item: Item) throws -> Double {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else {
            throw RegistryError(.badValue, "the logged answer to \(item.requestID.prefix(80)) is not JSON (truncated?)")
        }
        let answer: [String: Any]
        if let rows = object["predictions"] as? [[String: Any]] {
            guard let index = item.index else {
                throw RegistryError(
                    .badValue,
                    "request \(item.requestID.prefix(80)) predicted \(rows.count) rows: name one as \(item.requestID.prefix(80))#0 to #\(rows.count - 1)"
                )
            }
            guard index < rows.count else {
                throw RegistryError(
                    .notFound,
                    "request \(item.requestID.prefix(80)) predicted \(rows.count) rows; there is no row \(index)")
            }
            answer = rows[index]
        } else {
            guard item.index == nil || item.index == 0 else {
                throw RegistryError(
                    .notFound, "request \(item.requestID.prefix(80)) predicted one row; there is no row \(item.index!)")
            }
            answer = object
        }
        guard let value = (answer["probability"] ?? answer["prediction"]) as? Double else {
            throw RegistryError(.badValue, "the logged answer to \(item.reference.prefix(90)) has no prediction")
        }
        return value
    }

    static func check(_ item: Item, task: ModelTask) throws {
        switch task {
        case .binaryClassification:
            guard item.actual == 0 || item.actual == 1 else {
                throw RegistryError(
                    .badValue,
                    "actual for \(item.reference.prefix(90)) must be 0 or 1 (true or false): the model is a classifier")
            }
        case .regression:
            guard item.actual.isFinite else {
                throw RegistryError(.badValue, "actual for \(item.reference.prefix(90)) must be a finite number")
            }
        }
    }

    /// A version's labelled rows, predicted then actual, at most the latest `limit`, of
    /// predictions made since `since` (all when nil).
    public func labelled(modelID: Int64, since: Date? = nil, limit: Int = 1_000_000) throws -> (
        predicted: [Double], actual: [Double]
    ) {
        var sql = "SELECT predicted, actual FROM feedback WHERE model_id = ?"
        var parameters: [SQLValue] = [.integer(modelID)]
        if let since {
            sql += " AND predicted_at >= ?"
            parameters.append(.timestamp(since))
        }
        sql += " ORDER BY predicted_at DESC LIMIT ?"
        parameters.append(.integer(Int64(limit)))
        var predicted: [Double] = []
        var actual: [Double] = []
        for row in try database.query(sql, parameters) {
            guard let p = row[0].double, let a = row[1].double else { continue }
            predicted.append(p)
            actual.append(a)
        }
        return (predicted, actual)
    }
}
