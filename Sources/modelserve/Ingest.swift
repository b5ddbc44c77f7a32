import ArgumentParser
import Dispatch
import Foundation
import Ingest
import Learning
import Registry
import Synchronization

/// `modelserve ingest`: online learning from a paginated HTTP source, batch by batch.
struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Learn online from a paginated HTTP source, batch by batch, checkpointed and resumable.",
        discussion: """
            Fetches GET SOURCE?page=N from page 0 (a JSON array of row objects, [] or a 4xx past the end), \
            K pages a batch; each model scores the batch before learning it (progressive validation), and the \
            batch's checkpoint (page, rows, every model's terms and metrics, and its state) is one transaction. \
            kill -9 at any moment, then --resume: no row is learnt twice or skipped. Models become versions every \
            register_every batches and at the end; see /runs/ID in the dashboard for the convergence.
            """)

    @Option(help: "The online spec (YAML or JSON; see pipelines/promotion-online.yaml).") var spec: String
    @Option(help: "The source's URL, overriding the spec's.") var source: String?
    @Option(help: "Pages per batch, overriding the spec's.") var pagesPerBatch: Int?
    @Option(help: "Stop after fetching this many pages (resume later with --resume).") var maxPages: Int?
    @Flag(help: "At the end, keep polling for new rows (a stream that grows) until SIGINT or SIGTERM.") var follow =
        false
    @Option(help: "Seconds between polls with --follow.") var pollInterval = 5.0
    @Flag(help: "Continue the newest unfinished run of this spec instead of starting a new one.") var resume = false
    @Option(name: .customLong("run"), help: "Continue this run (by id).") var runID: Int64?
    @Option(help: "Seconds one page may take before it is retried.") var timeout = 15.0
    @Option(help: "Attempts per page on 5xx answers and network errors.") var attempts = 5
    @OptionGroup var options: DatabaseOptions

    func validate() throws {
        if let pagesPerBatch, !(1...10_000).contains(pagesPerBatch) {
            throw ValidationError("--pages-per-batch must be from 1 to 10,000")
        }
        if let maxPages, maxPages < 1 { throw ValidationError("--max-pages must be at least 1") }
        guard pollInterval > 0, pollInterval <= 3600 else {
            throw ValidationError("--poll-interval must be from 0 to 3600 seconds")
        }
        guard timeout > 0 else { throw ValidationError("--timeout must be above 0") }
        guard (1...100).contains(attempts) else { throw ValidationError("--attempts must be from 1 to 100") }
        if resume && runID != nil { throw ValidationError("use --resume or --run ID, not both") }
    }

    func run() throws {
        try options.withRegistry { registry in
            var spec = try OnlineSpec.load(path: self.spec)
            if let source { spec.source = source }
            let runs = TrainingRuns(registry: registry)
            var current: TrainingRuns.Run
            if let id = runID {
                current = try runs.run(id: id)
                guard current.name == spec.name else {
                    throw RegistryError(.badValue, "run \(id) follows spec \(current.name), not \(spec.name)")
                }
            } else if resume, let unfinished = try runs.resumable(name: spec.name) {
                current = unfinished
            } else {
                guard let url = spec.source else {
                    throw SpecError(field: "source", message: "no source: give source: in the spec or --source URL")
                }
                if resume { Console.err("no unfinished run of \(spec.name) to resume: starting one") }
                current = try runs.start(spec: spec, source: url)
            }
            if current.status == .completed && !follow {
                Console.err("run \(current.id) is completed; nothing to resume")
            }
            if current.batches > 0 {
                Console.err(
                    "resuming run \(current.id) at page \(current.nextPage) after \(current.rowsSeen.formatted()) rows")
            } else {
                Console.err("run \(current.id): \(spec.models.count) models from \(current.source)")
            }
            let stopping = StopFlag()
            let signals = StopSignals { stopping.set() }
            defer { signals.cancel() }
            var settings = OnlineIngest.Options()
            settings.pagesPerBatch = pagesPerBatch
            settings.maxPages = maxPages
            settings.follow = follow
            settings.pollInterval = pollInterval
            settings.source.timeout = timeout
            settings.source.attempts = attempts
            let line = ProgressLine()
            let headline = spec.models.first
            let outcome: OnlineIngest.Outcome
            do {
                outcome = try OnlineIngest(runs: runs).run(
                    current, options: settings,
                    progress: { step in
                        var text =
                            "batch \(step.checkpoint.batch.formatted()) · page \(step.checkpoint.lastPage) · "
                            + "\(step.run.rowsSeen.formatted()) rows · \(Int(step.rowsPerSecond).formatted()) rows/s"
                        if let headline, let model = step.checkpoint.models.first(where: { $0.name == headline.name }) {
                            let metric = headline.kind.task.headlineMetric
                            if let value = model.cumulative[metric] {
                                text += " · \(headline.name) \(metric) \(RunReport.shown(value))"
                            }
                        }
                        line.update(text)
                    },
                    stop: { stopping.isSet })
            } catch let error as PageSource.Failure {
                line.finish()
                throw IngestFailure(message: "\(error); resume with --resume")
            } catch let error as OnlineIngest.Failure {
                line.finish()
                throw IngestFailure(message: "\(error); the run is kept (failed) at its last whole batch")
            }
            line.finish()
            let checkpoint = try runs.checkpoints(of: outcome.run.id, after: outcome.run.batches - 1, limit: 1).first
            Console.out(RunReport.text(outcome.run, last: checkpoint))
            switch outcome.ending {
            case .end: Console.err("the source ended: run \(outcome.run.id) completed")
            case .maxPages: Console.err("stopped after --max-pages; continue with --resume")
            case .stopped: Console.err("stopped by a signal; continue with --resume")
            }
            let timing = outcome.timing
            if timing.rows > 0 {
                let learning = timing.learnSeconds.values.reduce(0, +)
                Console.err(
                    "learnt \(timing.rows.formatted()) rows in \(String(format: "%.2f", timing.totalSeconds)) s "
                        + "(\(Int(Double(timing.rows) / max(timing.totalSeconds, 1e-9)).formatted()) rows/s): fetching and decoding "
                        + "\(String(format: "%.2f", timing.fetchSeconds)) s, learning \(String(format: "%.2f", learning)) s "
                        + "(\(spec.models.map { "\($0.name) \(String(format: "%.3f", timing.learnSeconds[$0.name] ?? 0))" }.joined(separator: ", "))), "
                        + "checkpoints \(String(format: "%.2f", timing.commitSeconds)) s")
            }
            for record in outcome.registered {
                Console.err("registered \(record.name) version \(record.version) (id \(record.id))")
            }
        }
    }
}

struct IngestFailure: UserFacingError {
    let message: String
    var description: String { message }
}
