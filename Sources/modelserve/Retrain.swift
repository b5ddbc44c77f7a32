import ArgumentParser
import Dispatch
import Foundation
import Registry

/// `modelserve retrain`: the spec again when its data changed, promoted only if it wins.
struct Retrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Retrain a spec on fresh data: new versions only when the data changed.",
        discussion: """
            Reads the spec's query and compares the data's fingerprint with the one the name's \
            latest version was trained on: the same, and it says so and registers nothing; \
            changed, and it trains every version of the spec, recording why (data changed, \
            since which version) and, with --promote-if-better, what each was compared with. \
            With --every it repeats (45s, 30m, 1h, 1d) until SIGTERM or SIGINT; a failed run is \
            reported and the next one still comes. Without --every it runs once: a Kubernetes \
            CronJob or cron calls it so. Exit status 0 when nothing failed.
            """
    )

    @Option(help: "The training spec (YAML or JSON).")
    var spec: String

    @Option(help: "Repeat every DURATION (45s, 30m, 1h, 1d) until stopped.")
    var every: String?

    @Option(help: "Make the best new version production only if it beats production on this metric.")
    var promoteIfBetter: String?

    @Flag(help: "Train even when the data has not changed (recorded as a scheduled retrain).")
    var force = false

    @Option(help: "Seconds the training query may run before the database stops it.")
    var queryTimeout = 300.0

    @OptionGroup var options: DatabaseOptions

    func validate() throws {
        if let every, DurationText.seconds(every) == nil {
            throw ValidationError("--every must be a duration such as 45s, 30m, 1h or 1d, not '\(every)'")
        }
    }

    func run() throws {
        try Console.run {
            let spec = try TrainingSpec.load(path: self.spec)
            let interval = every.flatMap(DurationText.seconds)
            let wake = DispatchSemaphore(value: 0)
            let stopping = StopFlag()
            // Signals stop a repeating retrain between runs; a single run dies on them as usual.
            let signals =
                interval == nil
                ? nil
                : StopSignals {
                    stopping.set()
                    wake.signal()
                }
            defer { signals?.cancel() }
            let database = try options.openRegistry()
            defer { database.close() }
            let source = try options.openTrainingSource()
            defer { source?.close() }
            let trainer = Trainer(registry: ModelRegistry(database), source: source, queryTimeout: queryTimeout)
            var failed = false
            while true {
                do {
                    try once(spec, trainer)
                } catch {
                    guard interval != nil else { throw error }
                    failed = true
                    Console.err("retrain \(spec.name) failed: \(error); next run in \(every!)")
                }
                guard let interval, !stopping.isSet else { break }
                _ = wake.wait(timeout: .now() + interval)
                if stopping.isSet { break }
            }
            if interval != nil { Console.err("stopped") }
            if failed { throw ExitCode(1) }
        }
    }

    /// One run: train if the data changed (or --force), then the promotion rule.
    private func once(_ spec: TrainingSpec, _ trainer: Trainer) throws {
        let progress = ProgressLine()
        let promotion: Trainer.Promotion = promoteIfBetter.map { .ifBetter(metric: $0) } ?? .none
        let result = try trainer.train(
            spec, promotion: promotion, by: "retrain:" + Identity.current, reason: force ? .schedule : .dataChanged,
            onlyIfChanged: !force
        ) { progress.update($0) }
        progress.finish()
        let stamp = RecordTable.dateText(Date())
        if let unchanged = result.unchangedSince {
            Console.out(
                "\(stamp) UTC: \(spec.name): data unchanged since version \(unchanged) "
                    + "(\(result.rows.formatted()) rows, fingerprint \(result.fingerprint.prefix(12))): nothing to train"
            )
            return
        }
        Console.out(
            "\(stamp) UTC: \(spec.name): trained \(result.versions.count) version\(result.versions.count == 1 ? "" : "s") "
                + "on \(result.rows.formatted()) rows (data \(result.fingerprint.prefix(12)), "
                + (result.versions.first?.provenance.map(ModelReport.because) ?? "") + ")")
        Console.out(RecordTable.versions(result.versions))
        Console.out(result.promotionNote ?? "not promoted: no --promote-if-better")
    }
}
