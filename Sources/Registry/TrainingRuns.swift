public import Foundation
public import Learning
public import Storage

/// Online training runs: where each is (next page, rows, batches), the state of its models
/// to resume from, and one checkpoint per batch with every model's terms and metrics. A
/// batch's checkpoint, the run's position and state, and any versions it registers are one
/// transaction, so a run killed at any moment resumes from its last whole batch.
public struct TrainingRuns: Sendable {
    public let registry: ModelRegistry
    public var database: any Database { registry.database }

    public init(registry: ModelRegistry) {
        self.registry = registry
    }

    public enum Status: String, Sendable, Codable {
        /// Running, or killed while it ran.
        case running
        /// Stopped by a signal (`--follow` runs end so); resumable.
        case stopped
        case completed
        /// Stopped by an error it names; resumable.
        case failed
    }

    public struct Run: Sendable, Encodable {
        public var id: Int64
        public var name: String
        public var spec: OnlineSpec
        public var source: String
        public var status: Status
        /// The first page not wholly learnt, and how many of its rows were (a short last
        /// page that a growing source may fill later).
        public var nextPage: Int
        public var pageOffset: Int
        public var rowsSeen: Int
        public var batches: Int
        public var error: String?
        public var startedAt: Date
        public var updatedAt: Date
        public var finishedAt: Date?
        /// The models' states after the last batch, as `states(of:)` reads them.
        var state: String?

        /// Everything but the state (the documents the API and `--json` show).
        enum CodingKeys: String, CodingKey {
            case id, name, spec, source, status, nextPage = "next_page", pageOffset = "page_offset"
            case rowsSeen = "rows_seen", batches, error, startedAt = "started_at", updatedAt = "updated_at"
            case finishedAt = "finished_at"
        }
    }

    /// A run as `GET /runs/{id}` shows it: where it is, its models as they stand, and what its
    /// colliders mean for them.
    public struct Detail: Sendable, Encodable {
        public var run: Run
        public var last: Checkpoint?
        public var colliderNotes: [Note]

        public struct Note: Sendable, Encodable {
            public var collider, term, text: String
            public var believe, biased: [String]
        }

        public init(run: Run, last: Checkpoint?) {
            self.run = run
            self.last = last
            colliderNotes = run.spec.colliderNotes(
                estimates: Dictionary(uniqueKeysWithValues: (last?.models ?? []).map { ($0.name, $0.terms) })
            ).map { Note(collider: $0.collider, term: $0.term, text: $0.text, believe: $0.believe, biased: $0.biased) }
        }

        enum CodingKeys: String, CodingKey {
            case run, last, colliderNotes = "collider_notes"
        }
    }

    /// A run and its last checkpoint.
    public func detail(id: Int64) throws -> Detail {
        let run = try run(id: id)
        return Detail(run: run, last: try checkpoints(of: id, after: run.batches - 1, limit: 1).first)
    }

    /// One batch's record.
    public struct Checkpoint: Sendable, Codable, Equatable {
        public var batch: Int
        public var firstPage: Int
        public var lastPage: Int
        /// Rows in the source up to this batch (each model may have learnt fewer, `only:`).
        public var rowsSeen: Int
        public var createdAt: Date
        public var models: [ModelCheckpoint]

        public init(batch: Int, firstPage: Int, lastPage: Int, rowsSeen: Int, models: [ModelCheckpoint]) {
            self.batch = batch
            self.firstPage = firstPage
            self.lastPage = lastPage
            self.rowsSeen = rowsSeen
            self.models = models
            createdAt = Date()
        }

        enum CodingKeys: String, CodingKey {
            case batch, firstPage = "first_page", lastPage = "last_page", rowsSeen = "rows_seen"
            case createdAt = "created_at", models
        }
    }

    /// A model as it stood after a batch.
    public struct ModelCheckpoint: Sendable, Codable, Equatable {
        public var name: String
        /// Rows this model has learnt from.
        public var rows: Int
        public var terms: [TermEstimate]
        /// Progressive metrics of this batch alone (empty when it had no rows for the model).
        public var batch: [String: Double]
        /// Progressive metrics over every batch so far.
        public var cumulative: [String: Double]
        /// The version registered at this batch, if one was.
        public var modelID: Int64?
        public var version: Int?

        public init(
            name: String, rows: Int, terms: [TermEstimate], batch: [String: Double], cumulative: [String: Double]
        ) {
            self.name = name
            self.rows = rows
            self.terms = terms
            self.batch = batch
            self.cumulative = cumulative
        }

        enum CodingKeys: String, CodingKey {
            case name, rows, terms, batch, cumulative, modelID = "model_id", version
        }
    }

    // MARK: Starting and finding

    public func start(spec: OnlineSpec, source: String) throws -> Run {
        let now = Date()
        guard
            let id = try database.query(
                """
                INSERT INTO training_runs (name, spec, source, status, started_at, updated_at)
                VALUES (?, ?, ?, 'running', ?, ?) RETURNING id
                """,
                [.text(spec.name), .text(try JSONText.encode(spec)), .text(source), .timestamp(now), .timestamp(now)]
            ).first?[0].int64
        else { throw RegistryError(.notFound, "the new run's id was not returned") }
        return try run(id: id)
    }

    public func run(id: Int64) throws -> Run {
        guard let row = try database.query("SELECT * FROM training_runs WHERE id = ?", [.integer(id)]).first else {
            throw RegistryError(.notFound, "no training run with id \(id)")
        }
        return try Self.run(row)
    }

    /// The newest run of a spec that did not complete: the one `--resume` continues.
    public func resumable(name: String) throws -> Run? {
        try database.query(
            "SELECT * FROM training_runs WHERE name = ? AND status <> 'completed' ORDER BY id DESC LIMIT 1",
            [.text(name)]
        ).first.map(Self.run)
    }

    /// Runs, newest first.
    public func list(limit: Int = 100) throws -> [Run] {
        try database.query(
            "SELECT * FROM training_runs ORDER BY id DESC LIMIT ?", [.integer(Int64(max(1, min(limit, 10_000))))]
        ).map(Self.run)
    }

    static func run(_ row: Row) throws -> Run {
        let stored = StoredRow(row: row, table: "training_runs", label: "run \(StoredRow.shown(row["id"]))")
        guard let status = Status(rawValue: try stored.text("status")) else {
            throw RegistryError(.badValue, "training_runs: run \(StoredRow.shown(row["id"])) has an unknown status")
        }
        return Run(
            id: try stored.int64("id"), name: try stored.text("name"),
            spec: try stored.json("spec", as: OnlineSpec.self),
            source: try stored.text("source"), status: status, nextPage: Int(try stored.int64("next_page")),
            pageOffset: Int(try stored.int64("page_offset")),
            rowsSeen: Int(try stored.int64("rows_seen")), batches: Int(try stored.int64("batches")),
            error: row["error"].string, startedAt: try stored.date("started_at"),
            updatedAt: try stored.date("updated_at"), finishedAt: row["finished_at"].date, state: row["state"].string)
    }

    // MARK: Progress

    /// The models' states after the run's last batch, by model name (empty before the first).
    public func states(of run: Run) throws -> [String: OnlineModel] {
        guard let text = run.state else { return [:] }
        do {
            let documents = try JSONText.decode([String: String].self, from: text)
            return try documents.mapValues { try OnlineModel(state: Data($0.utf8)) }
        } catch {
            throw RegistryError(.badValue, "training_runs: run \(run.id): its model state does not decode: \(error)")
        }
    }

    /// Records a batch: its checkpoint, the run's new position and model states, and the
    /// versions to register (by model name), in one transaction. `run` is the run as the
    /// caller last saw it; if another process has moved it on since, nothing is written.
    /// Returns the run after the batch and the checkpoint with its versions' ids.
    public func commit(
        _ checkpoint: Checkpoint, to run: Run, nextPage: Int, pageOffset: Int, states: [String: OnlineModel],
        register drafts: [String: ModelRegistry.Draft] = [:]
    ) throws -> (run: Run, checkpoint: Checkpoint) {
        var checkpoint = checkpoint
        let state = try JSONText.encode(states.mapValues { String(decoding: try $0.state(), as: UTF8.self) })
        let now = Date()
        try database.transaction { connection in
            try connection.lock("modelserve.runs:\(run.id)")
            _ = try register(drafts, noting: &checkpoint, on: connection)
            let moved = try connection.execute(
                """
                UPDATE training_runs SET next_page = ?, page_offset = ?, rows_seen = ?, batches = ?, state = ?,
                    updated_at = ?, status = 'running', error = NULL
                WHERE id = ? AND batches = ?
                """,
                [
                    .integer(Int64(nextPage)), .integer(Int64(pageOffset)), .integer(Int64(checkpoint.rowsSeen)),
                    .integer(Int64(checkpoint.batch)),
                    .text(state), .timestamp(now), .integer(run.id), .integer(Int64(run.batches)),
                ])
            guard moved == 1 else {
                throw RegistryError(
                    .runMoved, "run \(run.id) was moved past batch \(run.batches) by another process; resume it again")
            }
            try connection.execute(
                """
                INSERT INTO training_checkpoints (run_id, batch, first_page, last_page, rows_seen, models, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .integer(run.id), .integer(Int64(checkpoint.batch)), .integer(Int64(checkpoint.firstPage)),
                    .integer(Int64(checkpoint.lastPage)), .integer(Int64(checkpoint.rowsSeen)),
                    .text(try JSONText.encode(checkpoint.models)), .timestamp(checkpoint.createdAt),
                ])
        }
        var after = run
        after.nextPage = nextPage
        after.pageOffset = pageOffset
        after.rowsSeen = checkpoint.rowsSeen
        after.batches = checkpoint.batch
        after.state = state
        after.updatedAt = now
        after.status = .running
        after.error = nil
        return (after, checkpoint)
    }

    /// Ends a run: completed, stopped, or failed with the reason (all but completed stay
    /// resumable). Versions to register (by model name) are registered in the same
    /// transaction and noted on the last checkpoint, `last`. Returns their records.
    @discardableResult
    public func finish(
        _ run: Run, status: Status, error: String? = nil, last: Checkpoint? = nil,
        register drafts: [String: ModelRegistry.Draft] = [:]
    ) throws -> [ModelRecord] {
        let now = Date()
        return try database.transaction { connection in
            try connection.lock("modelserve.runs:\(run.id)")
            var records: [ModelRecord] = []
            if var last, !drafts.isEmpty {
                records = try register(drafts, noting: &last, on: connection)
                try connection.execute(
                    "UPDATE training_checkpoints SET models = ? WHERE run_id = ? AND batch = ?",
                    [.text(try JSONText.encode(last.models)), .integer(run.id), .integer(Int64(last.batch))])
            }
            try connection.execute(
                "UPDATE training_runs SET status = ?, error = ?, updated_at = ?, finished_at = ? WHERE id = ?",
                [
                    .text(status.rawValue), SQLValue(error.map { String($0.prefix(2000)) }), .timestamp(now),
                    status == .completed ? .timestamp(now) : .null, .integer(run.id),
                ])
            return records
        }
    }

    /// Registers the versions named by model and notes each on the checkpoint's model entry.
    private func register(
        _ drafts: [String: ModelRegistry.Draft], noting checkpoint: inout Checkpoint, on connection: any Connection
    ) throws -> [ModelRecord] {
        var records: [ModelRecord] = []
        for (i, model) in checkpoint.models.enumerated() {
            guard let draft = drafts[model.name] else { continue }
            let record = try registry.register(draft, on: connection)
            checkpoint.models[i].modelID = record.id
            checkpoint.models[i].version = record.version
            records.append(record)
        }
        return records
    }

    /// A run's checkpoints after batch `after`, in order, at most `limit`.
    public func checkpoints(of runID: Int64, after: Int = 0, limit: Int = 10_000) throws -> [Checkpoint] {
        try database.query(
            """
            SELECT batch, first_page, last_page, rows_seen, models, created_at FROM training_checkpoints
            WHERE run_id = ? AND batch > ? ORDER BY batch LIMIT ?
            """, [.integer(runID), .integer(Int64(max(0, after))), .integer(Int64(max(1, min(limit, 100_000))))]
        ).map { row in
            let stored = StoredRow(
                row: row, table: "training_checkpoints", label: "run \(runID) batch \(StoredRow.shown(row["batch"]))")
            var checkpoint = Checkpoint(
                batch: Int(try stored.int64("batch")), firstPage: Int(try stored.int64("first_page")),
                lastPage: Int(try stored.int64("last_page")), rowsSeen: Int(try stored.int64("rows_seen")),
                models: try stored.json("models", as: [ModelCheckpoint].self))
            checkpoint.createdAt = try stored.date("created_at")
            return checkpoint
        }
    }
}

extension ModelRegistry.Draft {
    /// A version of an online model as it stands after a run's batch: its progressive
    /// metrics are its held-out figures (every row was scored before it was learnt).
    public init(online model: OnlineModel, name: String) throws {
        var metrics = VersionMetrics(train: [:], test: model.metrics.cumulative, crossValidation: nil)
        metrics.evaluatedOn = "progressive"
        self.init(
            name: name, kind: model.kind, hyperparameters: model.hyperparameters, metrics: metrics,
            featureSchema: FeatureSchema(numeric: model.features), trainingQuery: nil, rowCount: model.rowsSeen,
            dataFingerprint: nil, artifact: String(decoding: try model.model.artifactJSON(), as: UTF8.self),
            trainingSeconds: nil)
        provenance = Provenance(reason: .online)
    }
}
