public import Foundation
import Learning
public import Registry

/// Learns online from a paginated source without loading it: fetches a batch of pages,
/// scores the batch with every model as it stands (progressive validation), learns it, and
/// commits a checkpoint with the models' state, so a run killed at any moment resumes from
/// its last whole batch with no row learnt twice or skipped. Models are registered as
/// versions every `register_every` batches and at the end.
public final class OnlineIngest {
    public struct Options: Sendable {
        /// nil: the spec's.
        public var pagesPerBatch: Int?
        /// Pages to fetch in this invocation (nil: until the end).
        public var maxPages: Int?
        /// At the end, wait for more rows (a stream that grows) instead of finishing.
        public var follow = false
        /// Seconds between polls at the end, with `follow`.
        public var pollInterval = 5.0
        public var source = PageSource.Settings()

        public init() {}
    }

    /// After each committed batch.
    public struct Progress: Sendable {
        public let run: TrainingRuns.Run
        public let checkpoint: TrainingRuns.Checkpoint
        /// Rows learnt per second in this invocation (fetch, decode, learn and commit).
        public let rowsPerSecond: Double
    }

    public struct Outcome: Sendable {
        public enum Ending: String, Sendable {
            /// The source had no more pages.
            case end
            /// `maxPages` were fetched.
            case maxPages = "max_pages"
            /// Asked to stop (a signal).
            case stopped
        }
        public let run: TrainingRuns.Run
        public let ending: Ending
        public let last: TrainingRuns.Checkpoint?
        /// The versions registered at the end.
        public let registered: [ModelRecord]
        /// Where this invocation's time went: fetching and decoding pages, learning (by
        /// model), and committing checkpoints.
        public let timing: Timing
    }

    public struct Timing: Sendable {
        public var rows = 0
        public var fetchSeconds = 0.0
        public var learnSeconds: [String: Double] = [:]
        public var commitSeconds = 0.0
        public var totalSeconds = 0.0
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let message: String
        public var description: String { message }
    }

    public let runs: TrainingRuns

    public init(runs: TrainingRuns) {
        self.runs = runs
    }

    /// Runs (or resumes) `run` until the source ends, `maxPages`, or `stop()`. On an error
    /// the run is marked failed (it stays resumable) and the error is rethrown.
    public func run(
        _ run: TrainingRuns.Run, options: Options = Options(),
        progress: (Progress) -> Void = { _ in }, stop: () -> Bool = { false },
        sleep: (Double) -> Void = { Thread.sleep(forTimeInterval: $0) }
    ) throws -> Outcome {
        do {
            return try loop(run, options, progress, stop, sleep)
        } catch {
            if (error as? RegistryError)?.code != .runMoved {
                _ = try? runs.finish(run, status: .failed, error: "\(error)")
            }
            throw error
        }
    }

    private func loop(
        _ start: TrainingRuns.Run, _ options: Options, _ progress: (Progress) -> Void, _ stop: () -> Bool,
        _ sleep: (Double) -> Void
    ) throws -> Outcome {
        let spec = start.spec
        var run = start
        var models = try runs.states(of: run)
        for entry in spec.models where models[entry.name] == nil {
            models[entry.name] = try OnlineModel(
                kind: entry.kind, target: entry.target, features: entry.features, hyperparameters: entry.hyperparameters
            )
        }
        var settings = options.source
        settings.clientErrorEndsData = spec.clientErrorEndsData
        let source = try PageSource(base: run.source, columns: spec.columns, settings: settings)
        let column = Dictionary(uniqueKeysWithValues: spec.columns.enumerated().map { ($1, $0) })
        let pagesPerBatch = max(1, options.pagesPerBatch ?? spec.pagesPerBatch)
        var last = try runs.checkpoints(of: run.id, after: run.batches - 1, limit: 1).first
        let began = Date()
        var learnt = 0
        var fetched = 0
        // The cursor: page `page` has had `offset` rows learnt; `recheck` when it must be
        // fetched again to see whether it grew (at the start, and after reaching the end).
        var page = run.nextPage
        var offset = run.pageOffset
        var recheck = true
        var ending = Outcome.Ending.end
        var timing = Timing()
        func seconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

        rounds: while true {
            if stop() {
                ending = .stopped
                break
            }
            var rows: [[Double]] = []
            let firstPage = recheck ? page : page + 1
            var atEnd = false
            var pages = 0
            while pages < pagesPerBatch {
                if let limit = options.maxPages, fetched >= limit { break }
                let number = recheck ? page : page + 1
                fetched += 1
                pages += 1
                let fetchStart = DispatchTime.now().uptimeNanoseconds
                let answer = try source.page(number)
                timing.fetchSeconds += seconds(since: fetchStart)
                guard let found = answer else {
                    if recheck && offset > 0 {
                        throw Failure(
                            message:
                                "page \(page) is now empty, but \(offset) of its rows were learnt: the source changed under the run"
                        )
                    }
                    atEnd = true
                    break
                }
                if recheck {
                    guard found.rows.count >= offset else {
                        throw Failure(
                            message:
                                "page \(page) now has \(found.rows.count) rows, but \(offset) were learnt from it: the source changed under the run"
                        )
                    }
                    rows += found.rows[offset...]
                    recheck = false
                } else {
                    page = number
                    rows += found.rows
                }
                offset = found.rows.count
            }
            if !rows.isEmpty {
                var checkpoint = TrainingRuns.Checkpoint(
                    batch: run.batches + 1, firstPage: firstPage, lastPage: page, rowsSeen: run.rowsSeen + rows.count,
                    models: [])
                for entry in spec.models {
                    var model = models[entry.name]!
                    let selected = rows.filter { row in entry.only.allSatisfy { row[column[$0.key]!] == $0.value } }
                    var batch: [String: Double] = [:]
                    if !selected.isEmpty {
                        let x = Matrix(columns: entry.features.map { name in selected.map { $0[column[name]!] } })
                        let y = selected.map { $0[column[entry.target]!] }
                        let learnStart = DispatchTime.now().uptimeNanoseconds
                        do {
                            batch = try model.learn(x, y)
                            timing.learnSeconds[entry.name, default: 0] += seconds(since: learnStart)
                        } catch let error as LearningError {
                            throw Failure(message: "pages \(firstPage)-\(page): model \(entry.name): \(error.message)")
                        }
                        models[entry.name] = model
                    }
                    checkpoint.models.append(
                        TrainingRuns.ModelCheckpoint(
                            name: entry.name, rows: model.rowsSeen, terms: try model.estimates(), batch: batch,
                            cumulative: model.metrics.cumulative))
                }
                let commitStart = DispatchTime.now().uptimeNanoseconds
                let drafts = checkpoint.batch % spec.registerEvery == 0 ? try Self.drafts(models, spec) : [:]
                (run, checkpoint) = try runs.commit(
                    checkpoint, to: run, nextPage: page, pageOffset: offset, states: models, register: drafts)
                timing.commitSeconds += seconds(since: commitStart)
                timing.rows += rows.count
                last = checkpoint
                learnt += rows.count
                progress(
                    Progress(
                        run: run, checkpoint: checkpoint,
                        rowsPerSecond: Double(learnt) / max(1e-9, Date().timeIntervalSince(began))))
            }
            if let limit = options.maxPages, fetched >= limit {
                ending = atEnd && !options.follow ? .end : .maxPages
                break
            }
            if atEnd {
                guard options.follow else { break rounds }
                // The last page may still fill, and pages may follow it.
                recheck = true
                var waited = 0.0
                while waited < options.pollInterval {
                    if stop() {
                        ending = .stopped
                        break rounds
                    }
                    let step = min(0.2, options.pollInterval - waited)
                    sleep(step)
                    waited += step
                }
            }
        }
        let registered = last.map { $0.models.contains { $0.modelID != nil } } ?? true
        let final = try runs.finish(
            run, status: ending == .end ? .completed : .stopped, last: last,
            register: registered ? [:] : try Self.drafts(models, spec))
        timing.totalSeconds = Date().timeIntervalSince(began)
        return Outcome(run: try runs.run(id: run.id), ending: ending, last: last, registered: final, timing: timing)
    }

    /// A version of every model that has learnt something.
    static func drafts(_ models: [String: OnlineModel], _ spec: OnlineSpec) throws -> [String: ModelRegistry.Draft] {
        var drafts: [String: ModelRegistry.Draft] = [:]
        for entry in spec.models {
            guard let model = models[entry.name], model.rowsSeen > 0 else { continue }
            drafts[entry.name] = try ModelRegistry.Draft(online: model, name: entry.name)
        }
        return drafts
    }
}
