import Foundation
import Learning

/// A spec's `search`: trials scored on a validation part of the training rows (or by k-fold
/// cross-validation on them), every one kept, the best `register` sets refitted on all the
/// training rows by `train`.
extension Trainer {
    struct SearchOutcome {
        var trials: [ModelRegistry.StoredTrial]
        /// Indices of the best trials, best first.
        var best: [Int]
    }

    func runSearch(
        _ plan: TrainingSpec.Search, _ candidate: TrainingSpec.Candidate, task: ModelTask, split: TrainingSpec.Split,
        data: TrainingData, schema: FeatureSchema, progress: (String) -> Void
    ) throws -> SearchOutcome {
        let metric = plan.metric ?? task.headlineMetric
        guard let direction = ModelTask.metric(named: metric) else {
            throw RegistryError(.unknownMetric, "unknown metric '\(metric)'")
        }
        // One hold-out, or k folds: each part's rows to fit on and rows to score.
        let seed = plan.validationSeed ?? plan.seed
        let stratify = task.stratifies && split.stratify ? data.target : nil
        let partRows: [(fit: [Int], validation: [Int])]
        if let folds = plan.folds {
            guard data.count >= 2 * folds else {
                throw RegistryError(.noData, "\(data.count) training rows are too few for \(folds) folds")
            }
            partRows = Splits.kFold(count: data.count, folds: folds, seed: seed, stratifyBy: stratify).map {
                ($0.train, $0.test)
            }
        } else {
            let (fit, validation) = Splits.trainTest(
                count: data.count, testFraction: plan.validationFraction, seed: seed, stratifyBy: stratify)
            partRows = [(fit, validation)]
        }
        guard partRows.allSatisfy({ !$0.fit.isEmpty && !$0.validation.isEmpty }) else {
            throw RegistryError(.noData, "\(data.count) training rows are too few to hold out a validation part")
        }
        let parts = partRows.map {
            (fit: data.selecting(rows: $0.fit), validation: data.selecting(rows: $0.validation))
        }
        var sampler = SearchSampler(method: plan.sampler, space: plan.space, seed: plan.seed)
        var history: [SearchTrial] = []
        var stored: [ModelRegistry.StoredTrial] = []
        let run = UUID().uuidString
        let base = candidate.hyperparameterSets.first ?? [:]
        var pruner = MedianPruner(higherIsBetter: direction.higherIsBetter)
        for number in 0..<plan.trials {
            let sampled = sampler.next(after: history)
            let parameters = base.merging(sampled) { $1 }
            let started = Date()
            var score: Double?
            var state = "complete"
            var curve: [Int: Double] = [:]
            var prunedAt: Int?
            // The pruner watches the first part's fit (with folds, a pruned trial skips the rest).
            let monitor: TrainingMonitor? =
                plan.pruner == .median
                ? TrainingMonitor(data: parts[0].validation, every: MedianPruner.interval) { round, evaluation in
                    guard let value = evaluation.named[metric], value.isFinite else { return true }
                    curve[round] = value
                    if pruner.shouldPrune(value, at: round) {
                        prunedAt = round
                        return false
                    }
                    return true
                } : nil
            do {
                var scores: [Double] = []
                for (k, part) in parts.enumerated() {
                    let model = try Model.train(
                        kind: candidate.kind, data: part.fit, schema: schema, hyperparameters: parameters,
                        monitor: k == 0 ? monitor : nil)
                    if prunedAt != nil { break }
                    scores.append(try model.evaluate(on: part.validation).named[metric] ?? .nan)
                }
                if let round = prunedAt {
                    state = "pruned at round \(round)"
                    score = curve[round]
                } else {
                    score = scores.reduce(0, +) / Double(scores.count)
                    if score?.isFinite != true {
                        state = "failed: \(metric) is not a number"
                        score = nil
                    } else {
                        pruner.completed(curve)
                    }
                }
            } catch let error as LearningError {
                state = "failed: \(error.message)"
            }
            // The samplers minimise. A pruned trial counts with the value it was stopped at
            // (worse than the median there), as Optuna's TPE ranks pruned trials low.
            history.append(
                SearchTrial(
                    number: number, parameters: sampled, score: score.map { direction.higherIsBetter ? -$0 : $0 }))
            stored.append(
                ModelRegistry.StoredTrial(
                    runID: run, number: number, sampler: plan.sampler.rawValue, parameters: parameters, metric: metric,
                    score: score, state: state, seconds: Date().timeIntervalSince(started), modelID: nil,
                    createdAt: Date()))
            let complete = zip(history, stored).filter { $0.1.state == "complete" }.compactMap(\.0.score)
            let best = complete.min().map { direction.higherIsBetter ? -$0 : $0 }
            progress(
                "trial \(number + 1)/\(plan.trials) \(metric) \(score.map { Self.format($0) } ?? "failed")"
                    + (prunedAt.map { " (pruned at round \($0))" } ?? "") + "; best "
                    + (best.map { Self.format($0) } ?? "none"))
        }
        // Only complete trials can become versions (a pruned one was stopped short).
        let ranked = history.filter { $0.score != nil && stored[$0.number].state == "complete" }
            .sorted { ($0.score!, $0.number) < ($1.score!, $1.number) }
        guard !ranked.isEmpty else {
            throw RegistryError(
                .noData, "every trial failed; the first: \(stored.first?.state ?? "no trials")")
        }
        return SearchOutcome(trials: stored, best: ranked.prefix(plan.register).map(\.number))
    }

    /// Stores every trial, the ones that became versions pointing at them.
    func recordTrials(_ outcome: SearchOutcome, versions: [ModelRecord], name: String) throws {
        var trials = outcome.trials
        for (rank, index) in outcome.best.enumerated() where rank < versions.count {
            trials[index].modelID = versions[rank].id
        }
        try registry.recordTrials(name: name, trials)
    }
}

/// Optuna's `MedianPruner` (n_startup_trials 5, n_warmup_steps 0) over boosting rounds: a
/// trial is stopped at a reported round when its validation value there is worse than the
/// median of the completed trials' values at that round.
struct MedianPruner {
    /// Rounds between reports.
    static let interval = 10
    /// Completed trials before any pruning.
    static let startupTrials = 5

    let higherIsBetter: Bool
    private var curves: [[Int: Double]] = []

    init(higherIsBetter: Bool) {
        self.higherIsBetter = higherIsBetter
    }

    mutating func completed(_ curve: [Int: Double]) { curves.append(curve) }

    func shouldPrune(_ value: Double, at round: Int) -> Bool {
        guard curves.count >= Self.startupTrials else { return false }
        let values = curves.compactMap { $0[round] }.sorted()
        guard !values.isEmpty else { return false }
        let middle = values.count / 2
        let median = values.count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2
        return higherIsBetter ? value < median : value > median
    }
}
