public import Foundation
import Storage

/// Training asked for over HTTP, queued in `training_jobs` for `modelserve worker`: a serving
/// replica enqueues and answers at once; a worker claims the oldest queued job (never one
/// another worker holds), trains it as `modelserve train` would and records what came of it.
public struct TrainingJobs: Sendable {
    public let registry: ModelRegistry
    /// The channel a new job is announced on (Postgres), so idle workers start at once.
    public static let channel = "modelserve_training_jobs"

    public init(registry: ModelRegistry) {
        self.registry = registry
    }

    public enum Status: String, Sendable, Codable {
        case queued, running, completed, failed
    }

    /// A job as stored.
    public struct Job: Sendable, Encodable {
        public var id: Int64
        public var status: Status
        /// The spec as sent (JSON text).
        public var spec: String
        public var promote: Bool
        public var promoteIfBetter: String?
        public var requestedBy: String
        public var worker: String?
        public var createdAt: Date
        public var startedAt: Date?
        public var finishedAt: Date?
        public var result: Outcome?
        public var error: String?

        /// The spec's model name, for people.
        public var name: String? { (try? TrainingSpec.parse(spec, file: "job \(id)"))?.name }

        enum CodingKeys: String, CodingKey {
            case id, status, promote, promoteIfBetter = "promote_if_better", requestedBy = "requested_by", worker
            case createdAt = "created_at", startedAt = "started_at", finishedAt = "finished_at", result, error
        }
    }

    /// What a completed job registered.
    public struct Outcome: Sendable, Codable {
        public var versionIDs: [Int64]
        public var rows: Int
        public var dataFingerprint: String
        public var promotedID: Int64?
        public var promotion: String?

        enum CodingKeys: String, CodingKey {
            case versionIDs = "version_ids", rows, dataFingerprint = "data_fingerprint", promotedID = "promoted_id"
            case promotion
        }
    }

    /// Queues a spec (checked now, so a bad one is refused before it waits) and announces it.
    public func enqueue(spec text: String, promote: Bool, promoteIfBetter: String?, by: String) throws -> Job {
        let spec = try TrainingSpec.parse(text, file: "request body")
        try spec.validate()
        if let metric = promoteIfBetter { _ = try MetricDirection.isBetter(0, than: 0, on: metric) }
        let database = registry.database
        let id = try database.transaction { connection -> Int64 in
            guard
                let row = try connection.queryFirst(
                    """
                    INSERT INTO training_jobs (spec, promote, promote_if_better, requested_by, status, created_at)
                    VALUES (?, ?, ?, ?, 'queued', ?) RETURNING id
                    """,
                    [.text(text), .bool(promote), SQLValue(promoteIfBetter), .text(by), .timestamp(Date())]),
                let id = row[0].int64
            else { throw RegistryError(.notFound, "the new job's id was not returned") }
            if database.dialect == .postgres {
                _ = try connection.execute("SELECT pg_notify(?, ?)", [.text(Self.channel), .text(String(id))])
            }
            return id
        }
        return try job(id: id)
    }

    public func job(id: Int64) throws -> Job {
        guard let row = try registry.database.query("SELECT * FROM training_jobs WHERE id = ?", [.integer(id)]).first
        else { throw RegistryError(.notFound, "no training job \(id)") }
        return try Self.job(row)
    }

    /// The latest jobs, newest first.
    public func list(limit: Int = 50) throws -> [Job] {
        try registry.database.query(
            "SELECT * FROM training_jobs ORDER BY id DESC LIMIT ?", [.integer(Int64(max(1, limit)))]
        ).map(Self.job)
    }

    /// Takes the oldest queued job for `worker` (nil when none waits). On Postgres a job
    /// another worker is claiming is skipped, not waited for; SQLite has one writer.
    public func claim(worker: String) throws -> Job? {
        let skip = registry.database.dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        let row = try registry.database.transaction { connection in
            try connection.queryFirst(
                """
                UPDATE training_jobs SET status = 'running', worker = ?, started_at = ?
                WHERE id = (SELECT id FROM training_jobs WHERE status = 'queued' ORDER BY id LIMIT 1\(skip))
                RETURNING *
                """, [.text(worker), .timestamp(Date())])
        }
        return try row.map(Self.job)
    }

    /// Runs a claimed job to its end and records the outcome or the error.
    @discardableResult
    public func run(_ job: Job, trainer: Trainer, progress: (String) -> Void = { _ in }) throws -> Job {
        do {
            let spec = try TrainingSpec.parse(job.spec, file: "training job \(job.id)")
            let promotion: Trainer.Promotion =
                job.promoteIfBetter.map { .ifBetter(metric: $0) } ?? (job.promote ? .always : .none)
            let result = try trainer.train(spec, promotion: promotion, by: job.requestedBy, progress: progress)
            let outcome = Outcome(
                versionIDs: result.versions.map(\.id), rows: result.rows, dataFingerprint: result.fingerprint,
                promotedID: result.promoted?.id, promotion: result.promotionNote)
            try finish(job.id, status: .completed, result: try JSONText.encode(outcome), error: nil)
        } catch {
            try finish(job.id, status: .failed, result: nil, error: "\(error)")
        }
        return try self.job(id: job.id)
    }

    private func finish(_ id: Int64, status: Status, result: String?, error: String?) throws {
        _ = try registry.database.execute(
            "UPDATE training_jobs SET status = ?, finished_at = ?, result = ?, error = ? WHERE id = ?",
            [.text(status.rawValue), .timestamp(Date()), SQLValue(result), SQLValue(error), .integer(id)])
    }

    static func job(_ row: Row) throws -> Job {
        let stored = StoredRow(row: row, table: "training_jobs", label: "job \(StoredRow.shown(row["id"]))")
        let statusText = try stored.text("status")
        guard let status = Status(rawValue: statusText) else {
            throw RegistryError(.badValue, "training_jobs: unknown status '\(statusText)'")
        }
        return Job(
            id: try stored.int64("id"), status: status, spec: try stored.text("spec"),
            promote: row["promote"].bool ?? false, promoteIfBetter: row["promote_if_better"].string,
            requestedBy: try stored.text("requested_by"), worker: row["worker"].string,
            createdAt: try stored.date("created_at"), startedAt: row["started_at"].date,
            finishedAt: row["finished_at"].date,
            result: row["result"].isNull ? nil : try stored.json("result", as: Outcome.self),
            error: row["error"].string)
    }
}
