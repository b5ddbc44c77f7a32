public import Foundation
public import Learning
import Storage

/// The trials of hyperparameter searches, kept beside the versions they produced.
extension ModelRegistry {
    /// One stored trial.
    public struct StoredTrial: Sendable, Equatable {
        public var runID: String
        public var number: Int
        public var sampler: String
        public var parameters: Hyperparameters
        public var metric: String
        /// The validation metric as measured (not oriented); nil for a failed fit.
        public var score: Double?
        /// "complete" or "failed: <reason>".
        public var state: String
        public var seconds: Double
        /// The version the trial's set became, if it did.
        public var modelID: Int64?
        public var createdAt: Date

        public init(
            runID: String, number: Int, sampler: String, parameters: Hyperparameters, metric: String, score: Double?,
            state: String, seconds: Double, modelID: Int64?, createdAt: Date
        ) {
            self.runID = runID
            self.number = number
            self.sampler = sampler
            self.parameters = parameters
            self.metric = metric
            self.score = score
            self.state = state
            self.seconds = seconds
            self.modelID = modelID
            self.createdAt = createdAt
        }
    }

    /// Stores a search's trials in one transaction.
    public func recordTrials(name: String, _ trials: [StoredTrial]) throws {
        try database.transaction { connection in
            for t in trials {
                try connection.execute(
                    """
                    INSERT INTO search_trials (name, run_id, number, sampler, parameters, metric, score, state, seconds,
                        model_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .text(name), .text(t.runID), .integer(Int64(t.number)), .text(t.sampler),
                        .text(try JSONText.encode(t.parameters)), .text(t.metric),
                        t.score.map(SQLValue.double) ?? .null,
                        .text(t.state), .double(t.seconds), t.modelID.map(SQLValue.integer) ?? .null,
                        .timestamp(t.createdAt),
                    ])
            }
        }
    }

    /// The trials of the latest search for a name, in trial order.
    public func trials(name: String) throws -> [StoredTrial] {
        try trials(
            where: """
                name = ? AND run_id = (
                    SELECT run_id FROM search_trials WHERE name = ? ORDER BY created_at DESC, id DESC LIMIT 1)
                """, [.text(name), .text(name)], name: name)
    }

    /// The search a version came out of: every trial of its run, in trial order (nil for a
    /// version that was not searched for).
    public func search(producing modelID: Int64) throws -> [StoredTrial]? {
        let run = try trials(
            where: "run_id = (SELECT run_id FROM search_trials WHERE model_id = ? ORDER BY id DESC LIMIT 1)",
            [.integer(modelID)], name: "model \(modelID)")
        return run.isEmpty ? nil : run
    }

    private func trials(where filter: String, _ parameters: [SQLValue], name: String) throws -> [StoredTrial] {
        let rows = try database.query(
            """
            SELECT run_id, number, sampler, parameters, metric, score, state, seconds, model_id, created_at
            FROM search_trials WHERE \(filter) ORDER BY number
            """, parameters)
        return try rows.map { row in
            let stored = StoredRow(
                row: row, table: "search_trials", label: "trial \(StoredRow.shown(row["number"])) of \(name)")
            return StoredTrial(
                runID: try stored.text("run_id"), number: Int(try stored.int64("number")),
                sampler: try stored.text("sampler"),
                parameters: try stored.json("parameters", as: Hyperparameters.self), metric: try stored.text("metric"),
                score: row["score"].double, state: try stored.text("state"), seconds: try stored.double("seconds"),
                modelID: row["model_id"].int64, createdAt: try stored.date("created_at"))
        }
    }
}
