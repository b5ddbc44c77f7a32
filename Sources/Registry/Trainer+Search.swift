import Foundation
import Learning

/// A spec's `search`: trials scored on a validation part of the training rows, every one
/// kept, the best `register` sets refitted on all the training rows by `train`.
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
        let (fitRows, validationRows) = Splits.trainTest(
            count: data.count, testFraction: plan.validationFraction, seed: plan.seed,
            stratifyBy: task.stratifies && split.stratify ? data.target : nil)
        guard !fitRows.isEmpty, !validationRows.isEmpty else {
            throw RegistryError(.noData, "\(data.count) training rows are too few to hold out a validation part")
        }
        let fitData = data.selecting(rows: fitRows)
        let validationData = data.selecting(rows: validationRows)
        var sampler = SearchSampler(method: plan.sampler, space: plan.space, seed: plan.seed)
        var history: [SearchTrial] = []
        var stored: [ModelRegistry.StoredTrial] = []
        let run = UUID().uuidString
        let base = candidate.hyperparameterSets.first ?? [:]
        for number in 0..<plan.trials {
            let sampled = sampler.next(after: history)
            let parameters = base.merging(sampled) { $1 }
            let started = Date()
            var score: Double?
            var state = "complete"
            do {
                let model = try Model.train(
                    kind: candidate.kind, data: fitData, schema: schema, hyperparameters: parameters)
                score = try model.evaluate(on: validationData).named[metric]
                if score?.isFinite != true {
                    state = "failed: \(metric) is not a number"
                    score = nil
                }
            } catch let error as LearningError {
                state = "failed: \(error.message)"
            }
            // The samplers minimise.
            history.append(
                SearchTrial(number: number, parameters: sampled, score: score.map { direction.higherIsBetter ? -$0 : $0 }))
            stored.append(
                ModelRegistry.StoredTrial(
                    runID: run, number: number, sampler: plan.sampler.rawValue, parameters: parameters, metric: metric,
                    score: score, state: state, seconds: Date().timeIntervalSince(started), modelID: nil,
                    createdAt: Date()))
            let best = history.compactMap(\.score).min().map { direction.higherIsBetter ? -$0 : $0 }
            progress(
                "trial \(number + 1)/\(plan.trials) \(metric) \(score.map { Self.format($0) } ?? "failed"); best "
                    + (best.map { Self.format($0) } ?? "none"))
        }
        let ranked = history.filter { $0.score != nil }.sorted { ($0.score!, $0.number) < ($1.score!, $1.number) }
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
