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
        /// Until when the running job is its worker's without renewal.
        public var leaseExpiresAt: Date?
        public var result: Outcome?
        public var error: String?

        /// The spec's model name, for people.
        public var name: String? { (try? TrainingSpec.parse(spec, file: "job \(id)"))?.name }

        enum CodingKeys: String, CodingKey {
            case id, status, promote, promoteIfBetter = "promote_if_better", requestedBy = "requested_by", worker
            case createdAt = "created_at", startedAt = "started_at", finishedAt = "finished_at"
            case leaseExpiresAt = "lease_expires_at", result, error
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

    /// How long a claimed job stays its worker's without renewal (the worker renews it six
    /// times a lease while it trains). A job whose lease has run out was left by a worker that
    /// died, and is marked failed at the next look at the queue.
    public static let defaultLease: TimeInterval = 60

    /// Takes the oldest queued job for `worker` (nil when none waits), leased for `lease`
    /// seconds; first marks failed the jobs whose workers died. On Postgres a job another
    /// worker is claiming is skipped, not waited for; SQLite has one writer.
    public func claim(worker: String, lease: TimeInterval = Self.defaultLease) throws -> Job? {
        try expireAbandoned()
        let skip = registry.database.dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        let now = Date()
        let row = try registry.database.transaction { connection in
            try connection.queryFirst(
                """
                UPDATE training_jobs SET status = 'running', worker = ?, started_at = ?, lease_expires_at = ?
                WHERE id = (SELECT id FROM training_jobs WHERE status = 'queued' ORDER BY id LIMIT 1\(skip))
                RETURNING *
                """, [.text(worker), .timestamp(now), .timestamp(now.addingTimeInterval(lease))])
        }
        return try row.map(Self.job)
    }

    /// Marks failed every running job whose lease ran out before `now` (its worker was killed,
    /// ran out of memory or lost its machine), so that nobody waits on it for ever; how many.
    /// Jobs claimed before leases existed have none and are left alone.
    @discardableResult
    public func expireAbandoned(now: Date = Date()) throws -> Int {
        try registry.database.execute(
            """
            UPDATE training_jobs SET status = 'failed', finished_at = ?,
                error = 'abandoned: worker ' || COALESCE(worker, '?')
                    || ' stopped renewing its lease (killed, out of memory or its machine gone); queue the job again'
            WHERE status = 'running' AND lease_expires_at < ?
            """, [.timestamp(now), .timestamp(now)])
    }

    /// Extends a running job's lease by `lease` seconds from now; false when the job is no
    /// longer running under `worker` (its lease ran out and it was marked failed).
    @discardableResult
    public func renew(_ id: Int64, worker: String, lease: TimeInterval) throws -> Bool {
        try registry.database.execute(
            "UPDATE training_jobs SET lease_expires_at = ? WHERE id = ? AND status = 'running' AND worker = ?",
            [.timestamp(Date().addingTimeInterval(lease)), .integer(id), .text(worker)]) > 0
    }

    /// Runs a claimed job to its end, renewing its lease meanwhile, and records the outcome
    /// or the error (the outcome even if the lease ran out meanwhile: it is what happened).
    @discardableResult
    public func run(
        _ job: Job, trainer: Trainer, lease: TimeInterval = Self.defaultLease, progress: (String) -> Void = { _ in }
    ) throws -> Job {
        let renewal = LeaseRenewal(every: lease / 6) { [self] in
            _ = try? renew(job.id, worker: job.worker ?? "", lease: lease)
        }
        defer { renewal.stop() }
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
            finishedAt: row["finished_at"].date, leaseExpiresAt: row["lease_expires_at"].date,
            result: row["result"].isNull ? nil : try stored.json("result", as: Outcome.self),
            error: row["error"].string)
    }
}

/// Renews a job's lease from a thread of its own while the job trains (training holds the
/// worker's thread for as long as it takes).
private final class LeaseRenewal: Sendable {
    private let stopping = DispatchSemaphore(value: 0)
    private let stopped = DispatchSemaphore(value: 0)

    init(every interval: TimeInterval, renew: @escaping @Sendable () -> Void) {
        let thread = Thread { [stopping, stopped] in
            while stopping.wait(timeout: .now() + interval) == .timedOut { renew() }
            stopped.signal()
        }
        thread.name = "job lease"
        thread.start()
    }

    /// Returns once the thread has renewed for the last time.
    func stop() {
        stopping.signal()
        stopped.wait()
    }
}
