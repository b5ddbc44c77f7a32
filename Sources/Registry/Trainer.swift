import Foundation
import Learning
public import Storage

/// The training pipeline: SQL -> data -> one model version per hyperparameter set ->
/// metrics -> registry, and optionally the production pointer.
public struct Trainer: Sendable {
    public let registry: ModelRegistry
    /// Where training queries run: the registry's database, or a separate one whose role
    /// may only read the feature tables (`--training-database`).
    public let source: any Database
    /// Seconds a training query may run before the database stops it.
    public let queryTimeout: Double

    public init(registry: ModelRegistry, source: (any Database)? = nil, queryTimeout: Double = 300) {
        self.registry = registry
        self.source = source ?? registry.database
        self.queryTimeout = queryTimeout
    }

    /// Whether and how a new version becomes production.
    public enum Promotion: Sendable, Equatable {
        case none
        /// The best new version (by the kind's headline metric) is assigned.
        case always
        /// The best new version by `metric` is assigned only if it beats production on it.
        case ifBetter(metric: String)
    }

    public struct Result: Sendable {
        public var versions: [ModelRecord]
        public var promoted: ModelRecord?
        /// Why a version was or was not promoted.
        public var promotionNote: String?
        public var rows: Int
        public var fingerprint: String
        /// True when the test fraction was 0: metrics are on the training rows.
        public var metricsOnTrainingData: Bool
        /// Set when nothing was trained because the data had not changed: the name's latest
        /// version, whose data has the same fingerprint.
        public var unchangedSince: Int?
        /// What the profile of the rows found and what cleaning left out.
        public var cleaning: VersionCard.Cleaning?
    }

    /// Reads the spec's query, trains every version, registers them (all or none) and
    /// applies `promotion`. `reason` is recorded with each version; with `onlyIfChanged`,
    /// nothing is trained when the data's fingerprint equals that of the name's latest
    /// version (`Result.unchangedSince` says which).
    public func train(
        _ spec: TrainingSpec, promotion: Promotion = .none, by: String = "modelserve",
        reason: Provenance.Reason = .manual, onlyIfChanged: Bool = false, progress: (String) -> Void = { _ in }
    ) throws -> Result {
        try spec.validate()
        if case .ifBetter(let metric) = promotion { _ = try MetricDirection.isBetter(0, than: 0, on: metric) }
        let previous = try registry.latestData(name: spec.name)
        let started = Date()
        let queryData = try QueryDataReader.read(
            source, query: spec.cleanedQuery, target: spec.target, features: spec.featuresToRead,
            categoricalHints: spec.categoricalHints,
            dropDuplicates: spec.clean.dropDuplicates || spec.onSuspicious == .drop, timeout: queryTimeout
        ) { rows in progress("reading: \(rows.formatted()) rows") }
        let (data, cleaning) = try Self.screen(queryData, spec, progress: progress)
        if onlyIfChanged, let previous, previous.fingerprint == queryData.fingerprint {
            return Result(
                versions: [], rows: data.count, fingerprint: queryData.fingerprint, metricsOnTrainingData: false,
                unchangedSince: previous.version)
        }
        let provenance = Provenance(
            reason: reason, previousVersion: previous?.version, previousFingerprint: previous?.fingerprint)
        progress(
            "read \(data.count.formatted()) rows in \(String(format: "%.2f", Date().timeIntervalSince(started))) s; "
                + "features: \(queryData.schema.all.joined(separator: ", "))")
        let stratify = spec.task.stratifies && spec.split.stratify ? data.target : nil
        if spec.task == .binaryClassification {
            do {
                try LogisticRegression.checkBinary(data.target)
            } catch let error as LearningError {
                throw LearningError(error.code, "target \(spec.target): \(error.message)")
            }
        }
        let (trainRows, testRows) =
            spec.split.testFraction > 0
            ? Splits.trainTest(
                count: data.count, testFraction: spec.split.testFraction, seed: spec.split.seed, stratifyBy: stratify)
            : (Array(0..<data.count), [])
        guard !trainRows.isEmpty, spec.split.testFraction == 0 || !testRows.isEmpty else {
            throw RegistryError(
                .noData,
                "\(data.count) rows are too few to hold out \(Int(spec.split.testFraction * 100))% for testing; use test_fraction 0"
            )
        }
        let trainData = testRows.isEmpty ? data : data.selecting(rows: trainRows)
        let testData = testRows.isEmpty ? nil : data.selecting(rows: testRows)

        // The rows every version answers similar samples from: the training part.
        let samples = try spec.similar.map { try SimilarSamples.keep($0, from: trainData, target: spec.target) }
        var drafts: [ModelRegistry.Draft] = []
        var searches: [(outcome: SearchOutcome, drafts: Range<Int>)] = []
        for (m, candidate) in spec.models.enumerated() {
            let schema = candidate.features ?? spec.features ?? queryData.schema
            let named = spec.models.count == 1 ? "" : "model \(m + 1)/\(spec.models.count) \(candidate.kind) "
            // A search picks the sets; otherwise the spec lists them.
            var sets = candidate.hyperparameterSets
            var search: SearchOutcome?
            if let plan = candidate.search {
                let outcome = try runSearch(
                    plan, candidate, task: spec.task, split: spec.split, data: trainData, schema: schema
                ) { progress(named + $0) }
                sets = outcome.best.map { outcome.trials[$0].parameters }
                search = outcome
            }
            let first = drafts.count
            let profile = FeatureProfile.training(trainData, schema: schema)
            for (index, hyperparameters) in sets.enumerated() {
                let label = "\(named)set \(index + 1)/\(sets.count) \(hyperparameters.summary)"
                progress("training \(label)")
                let setStarted = Date()
                do {
                    let model = try Model.train(
                        kind: candidate.kind, data: trainData, schema: schema, hyperparameters: hyperparameters)
                    let trainMetrics = try model.evaluate(on: trainData).named
                    let testMetrics = try testData.map { try model.evaluate(on: $0).named }
                    var crossValidation: VersionMetrics.CrossValidation?
                    if let folds = spec.crossValidationFolds {
                        progress("cross-validating \(label) over \(folds) folds")
                        crossValidation = try Self.crossValidate(
                            candidate.kind, task: spec.task, split: spec.split, data: trainData, schema: schema,
                            hyperparameters: hyperparameters, folds: folds)
                    }
                    let artifact = String(decoding: try model.artifactJSON(), as: UTF8.self)
                    var draft = ModelRegistry.Draft(
                        name: spec.name, kind: candidate.kind, hyperparameters: hyperparameters,
                        metrics: VersionMetrics(
                            train: trainMetrics, test: testMetrics, crossValidation: crossValidation),
                        featureSchema: schema, trainingQuery: spec.query, rowCount: data.count,
                        dataFingerprint: queryData.fingerprint, artifact: artifact,
                        trainingSeconds: Date().timeIntervalSince(setStarted))
                    draft.samples = samples
                    draft.profile = profile
                    draft.provenance = provenance
                    draft.card = spec.card
                    draft.card?.cleaning = cleaning
                    if model.settings.task == .binaryClassification {
                        let rows = testData ?? trainData
                        draft.card?.calibration = CalibrationBin.bins(
                            truth: rows.target, probabilities: try model.predictions(for: rows))
                    }
                    drafts.append(draft)
                } catch let error as LearningError {
                    throw LearningError(error.code, "\(label): \(error.message)", details: error.details)
                }
            }
            if let search { searches.append((search, first..<drafts.count)) }
        }
        // Every set trained: now register them together, so a failure leaves nothing behind.
        let versions = try registry.register(
            drafts,
            dataProfile: DataProfiles.Draft(query: spec.cleanedQuery, target: spec.target, profile: queryData.profile))
        for (outcome, range) in searches {
            try recordTrials(outcome, versions: Array(versions[range]), name: spec.name)
        }
        var result = Result(
            versions: versions, rows: data.count, fingerprint: queryData.fingerprint,
            metricsOnTrainingData: testData == nil, cleaning: cleaning)
        try promote(&result, promotion: promotion, metric: spec.promotionMetric ?? spec.task.headlineMetric, by: by)
        return result
    }

    /// `metric`: what `.always` ranks by (the spec's `promote`, or the task's headline). The
    /// verdict is recorded in every new version's provenance, with production's figure.
    private func promote(_ result: inout Result, promotion: Promotion, metric ranking: String, by: String) throws {
        let metric: String
        switch promotion {
        case .none: return
        case .always: metric = ranking
        case .ifBetter(let named): metric = named
        }
        guard let name = result.versions.first?.name else { return }
        let current = try registry.production(name: name)
        let incumbent = current?.record.metrics.heldOut[metric]
        let scored = result.versions.compactMap { v in v.metrics.heldOut[metric].map { (v, $0) } }
        var best = scored.first
        for candidate in scored.dropFirst() where try MetricDirection.isBetter(candidate.1, than: best!.1, on: metric) {
            best = candidate
        }
        var promoting = best != nil
        let note: String
        if let best {
            if case .ifBetter = promotion, let current {
                if let incumbent {
                    promoting = try MetricDirection.isBetter(best.1, than: incumbent, on: metric)
                    note =
                        promoting
                        ? "promoted: \(metric) \(Self.format(best.1)) beats production version \(current.record.version)'s \(Self.format(incumbent))"
                        : "not promoted: best new \(metric) \(Self.format(best.1)) does not beat production version \(current.record.version)'s \(Self.format(incumbent))"
                } else {
                    note = "promoted: production version \(current.record.version) has no \(metric)"
                }
            } else {
                note = "promoted version \(best.0.version) (\(metric) \(Self.format(best.1)))"
            }
        } else {
            note = "not promoted: the new versions have no \(metric)"
        }
        for i in result.versions.indices {
            let version = result.versions[i]
            let isBest = version.id == best?.0.id
            var provenance = version.provenance ?? Provenance(reason: .manual)
            provenance.comparison = Provenance.Comparison(
                metric: metric, value: version.metrics.heldOut[metric], productionModelID: current?.record.id,
                productionVersion: current?.record.version, productionValue: incumbent, promoted: promoting && isBest,
                note: isBest || best == nil
                    ? note : "not the best new version by \(metric) (version \(best!.0.version) was)")
            try registry.update(provenance, for: version.id)
            result.versions[i].provenance = provenance
        }
        result.promotionNote = note
        guard promoting, let best else { return }
        try registry.assign(id: best.0.id, by: by)
        result.promoted = result.versions.first { $0.id == best.0.id }
    }

    /// Reports what the profile of the rows found, then applies the spec's policy: `fail`
    /// refuses (nothing is registered), `drop` leaves out the rows the findings name (on the
    /// target and the features read), `warn` trains on every row. Findings about a column as
    /// a whole (a constant, an id) are reported only.
    static func screen(_ read: QueryData, _ spec: TrainingSpec, progress: (String) -> Void) throws -> (
        TrainingData, VersionCard.Cleaning
    ) {
        let dropsDuplicates = spec.clean.dropDuplicates || spec.onSuspicious == .drop
        var cleaning = VersionCard.Cleaning(
            filter: spec.clean.filter, dropDuplicates: dropsDuplicates, onSuspicious: spec.onSuspicious,
            rowsRead: read.profile.rows, duplicatesDropped: read.duplicatesDropped, suspiciousDropped: 0,
            findings: read.profile.findings.map(\.message))
        for finding in read.profile.findings { progress("suspicious [\(finding.rule.rawValue)]: \(finding.message)") }
        if read.duplicatesDropped > 0 {
            progress("dropped \(read.duplicatesDropped.formatted()) duplicate rows")
        }
        let rowFindings = read.profile.findings.filter { finding in
            guard let test = finding.test else { return false }
            return !(test == .duplicate && dropsDuplicates)
        }
        switch spec.onSuspicious {
        case .warn:
            return (read.data, cleaning)
        case .fail:
            guard rowFindings.isEmpty else {
                let list = rowFindings.map { "\($0.message) [\($0.rule.rawValue)]" }.joined(separator: "; ")
                throw RegistryError(
                    .suspiciousData,
                    "on_suspicious is fail and the rows have \(rowFindings.count) suspicious finding\(rowFindings.count == 1 ? "" : "s"): \(list). Nothing was trained; clean them with clean: {where: ...}, or set on_suspicious: drop or warn"
                )
            }
            return (read.data, cleaning)
        case .drop:
            let data = read.data
            let readable = Set(data.numeric.keys).union([spec.target])
            var tests: [RowTest] = []
            for finding in rowFindings {
                guard let test = finding.test, test != .duplicate else { continue }
                if finding.columns.allSatisfy(readable.contains) {
                    tests.append(test)
                } else {
                    progress(
                        "cannot drop the rows of '\(finding.message)': \(finding.columns.joined(separator: ", ")) not read for training"
                    )
                }
            }
            let keep = (0..<data.count).filter { row in
                !tests.contains { test in
                    test.matches { name in
                        if name == spec.target { return data.target[row] }
                        guard let column = data.numeric[name], !(column.isMissing?[row] ?? false) else { return nil }
                        return column.values[row]
                    }
                }
            }
            cleaning.suspiciousDropped = data.count - keep.count
            progress(
                "dropped \(cleaning.suspiciousDropped.formatted()) suspicious rows; \(keep.count.formatted()) remain")
            guard !keep.isEmpty else { throw RegistryError(.noData, "every row was dropped as suspicious") }
            return (keep.count == data.count ? data : data.selecting(rows: keep), cleaning)
        }
    }

    static func crossValidate(
        _ kind: ModelKind, task: ModelTask, split: TrainingSpec.Split, data: TrainingData, schema: FeatureSchema,
        hyperparameters: Hyperparameters, folds: Int
    ) throws -> VersionMetrics.CrossValidation {
        let folds = Splits.kFold(
            count: data.count, folds: min(folds, data.count), seed: split.seed,
            stratifyBy: task.stratifies && split.stratify ? data.target : nil)
        var scores: [[String: Double]] = []
        for fold in folds {
            let model = try Model.train(
                kind: kind, data: data.selecting(rows: fold.train), schema: schema,
                hyperparameters: hyperparameters)
            scores.append(try model.evaluate(on: data.selecting(rows: fold.test)).named)
        }
        var mean: [String: Double] = [:]
        var deviation: [String: Double] = [:]
        for key in Set(scores.flatMap(\.keys)) where key != "rows" {
            let values = scores.compactMap { $0[key] }
            let m = values.reduce(0, +) / Double(values.count)
            mean[key] = m
            deviation[key] = (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count)).squareRoot()
        }
        return .init(folds: folds.count, mean: mean, standardDeviation: deviation)
    }

    static func format(_ value: Double) -> String { String(format: "%.4g", value) }
}
