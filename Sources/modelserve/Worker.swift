import ArgumentParser
import Dispatch
import Foundation
import Registry
import Storage

/// `modelserve worker`: runs the training jobs `POST /models/train` queues.
struct Worker: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the training jobs POST /models/train queues, one at a time.",
        discussion: """
            Claims the oldest queued job (workers never take the same one), trains it as \
            `modelserve train` would, and records the versions or the error; then the next. \
            Idle, it waits for a new job (Postgres announces them; SQLite is polled). SIGTERM or \
            SIGINT stops it after the job in hand. With --once it runs what is queued and exits. \
            A job is leased to its worker, which renews the lease while it trains; a job whose \
            lease runs out (its worker was killed or lost its machine) is marked failed at the \
            next look at the queue, by any worker or GET /models/train/jobs.
            """
    )

    @Flag(help: "Run the queued jobs, then exit (a Kubernetes Job, a test).") var once = false
    @Option(help: "Seconds between looks at the queue when nothing announces a job.") var pollInterval = 2.0
    @Option(help: "Seconds a training query may run before the database stops it.") var queryTimeout = 300.0
    @Option(
        help: "Seconds a claimed job stays this worker's without renewal (renewed every sixth of it while training).")
    var lease = TrainingJobs.defaultLease
    @OptionGroup var options: DatabaseOptions

    func validate() throws {
        guard pollInterval > 0 else { throw ValidationError("--poll-interval must be positive") }
        guard lease > 0 else { throw ValidationError("--lease must be positive") }
    }

    func run() throws {
        try Console.run {
            let stopping = StopFlag()
            let wake = DispatchSemaphore(value: 0)
            let signals = StopSignals {
                stopping.set()
                wake.signal()
            }
            defer { signals.cancel() }
            let database = try options.openRegistry()
            defer { database.close() }
            let source = try options.openTrainingSource()
            defer { source?.close() }
            let registry = ModelRegistry(database)
            let jobs = TrainingJobs(registry: registry)
            let trainer = Trainer(registry: registry, source: source, queryTimeout: queryTimeout)
            let name = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
            let listener = try (database as? PostgresDatabase)?.listen(channel: TrainingJobs.channel)
            Console.err("worker \(name) waiting for training jobs")
            while !stopping.isSet {
                if let job = try jobs.claim(worker: name, lease: lease) {
                    Console.err("job \(job.id): training \(job.name ?? "?") for \(job.requestedBy)")
                    let done = try jobs.run(job, trainer: trainer, lease: lease)
                    if let outcome = done.result {
                        Console.out(
                            "job \(job.id): completed: \(outcome.versionIDs.count) versions (ids "
                                + "\(outcome.versionIDs.map(String.init).joined(separator: ", "))) on "
                                + "\(outcome.rows.formatted()) rows" + (outcome.promotion.map { "; \($0)" } ?? ""))
                    } else {
                        Console.out("job \(job.id): failed: \(done.error ?? "?")")
                    }
                    continue
                }
                if once { break }
                if let listener {
                    // In short waits, so that a signal is seen within half a second.
                    let until = Date().addingTimeInterval(pollInterval)
                    while !stopping.isSet && Date() < until {
                        if try !listener.wait(timeout: min(0.5, until.timeIntervalSinceNow)).isEmpty { break }
                    }
                } else {
                    _ = wake.wait(timeout: .now() + pollInterval)
                }
            }
            Console.err("worker \(name) stopped")
        }
    }
}
