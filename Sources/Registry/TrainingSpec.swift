import Foundation
public import Learning
import Storage

/// What to train: a model name, the SQL that yields the data, the target and features,
/// how to hold data out, and the models: each a kind with one or more hyperparameter sets
/// or a search, every set a version of the name, so versions of different kinds compete
/// for production on the same held-out rows.
public struct TrainingSpec: Sendable, Equatable {
    public var name: String
    public var query: String
    public var target: String
    /// nil: every result column but the target, text columns categorical.
    public var features: FeatureSchema?
    /// Columns to treat as categorical when features are inferred.
    public var categoricalHints: [String] = []
    public var split = Split()
    /// k-fold cross-validation on the training part, when set.
    public var crossValidationFolds: Int?
    /// The models to train, in order.
    public var models: [Candidate]
    /// What `--promote` ranks the new versions by; nil: the task's headline metric.
    public var promotionMetric: String?
    /// Training rows each version keeps to answer "n similar samples" (`POST /similar`).
    public var similar: SimilarSpec?
    /// For the model card: what the model is for, and columns marked as colliders.
    public var card = VersionCard()
    /// Rows to leave out before training (`clean:`).
    public var clean = Clean()
    /// What to do when the profile of the rows finds suspicious values.
    public var onSuspicious = SuspiciousPolicy.warn

    /// `clean: {drop_duplicates: true, where: "price > 0 AND x * y * z <> 0"}`.
    public struct Clean: Sendable, Equatable {
        public var dropDuplicates = false
        /// A condition on the query's columns; rows where it is not true are left out.
        public var filter: String?

        public init(dropDuplicates: Bool = false, filter: String? = nil) {
            self.dropDuplicates = dropDuplicates
            self.filter = filter
        }
    }

    /// The query training reads: the spec's, restricted by `clean.where`.
    public var cleanedQuery: String {
        guard let filter = clean.filter else { return query }
        return "SELECT * FROM (\(query)) AS modelserve_rows WHERE \(filter)"
    }

    /// One model of a spec: its kind, its own features if they differ from the spec's, and
    /// its hyperparameter sets (or a search around the first).
    public struct Candidate: Sendable, Equatable {
        public var kind: ModelKind
        /// nil: the spec's features.
        public var features: FeatureSchema?
        /// One model version is trained per set.
        public var hyperparameterSets: [Hyperparameters] = [[:]]
        /// A hyperparameter search over the first set: its best `register` sets become versions.
        public var search: Search?

        public init(kind: ModelKind) {
            self.kind = kind
        }

        /// What the model predicts (its sets agree, `validate` checks).
        public var task: ModelTask {
            (try? ModelSettings(kind: kind, hyperparameterSets.first ?? [:]).task) ?? kind.task
        }
    }

    /// The first model's kind: a spec of one model reads as one.
    public var kind: ModelKind {
        get { models[0].kind }
        set { models[0].kind = newValue }
    }

    /// The first model's hyperparameter sets.
    public var hyperparameterSets: [Hyperparameters] {
        get { models[0].hyperparameterSets }
        set { models[0].hyperparameterSets = newValue }
    }

    /// The first model's search.
    public var search: Search? {
        get { models[0].search }
        set { models[0].search = newValue }
    }

    public struct Search: Sendable, Equatable {
        public var sampler = SearchSampler.Method.tpe
        public var trials = 50
        public var seed: UInt64 = 42
        /// The metric to optimise (its direction is known); nil: the task's headline.
        public var metric: String?
        /// Share of the training rows each trial is scored on.
        public var validationFraction = 0.2
        /// Seed of that hold-out (or of the folds); nil: the search's seed.
        public var validationSeed: UInt64?
        /// Score each trial by k-fold cross-validation on the training rows (the mean over
        /// folds) instead of one hold-out.
        public var folds: Int?
        public var space: [String: SearchDistribution] = [:]
        /// How many of the best sets become versions.
        public var register = 1
        /// Stop trials early that are worse than the median of earlier ones at the same round.
        public var pruner = Pruner.none

        public enum Pruner: String, Sendable, Equatable, CaseIterable {
            case none, median
        }

        public init() {}
    }

    public struct Split: Sendable, Equatable {
        /// 0 trains on every row (metrics are then on the training data).
        public var testFraction = 0.2
        public var seed: UInt64 = 42
        /// Stratify by class (logistic only).
        public var stratify = true

        public init() {}
    }

    public init(name: String, kind: ModelKind, query: String, target: String) {
        self.name = name
        self.query = query
        self.target = target
        models = [Candidate(kind: kind)]
    }

    /// A model name: 1 to 100 letters, digits, '-', '_' and '.'.
    static func checkName(_ name: String, field: String) throws {
        guard !name.isEmpty, name.count <= 100,
            name.unicodeScalars.allSatisfy({
                CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)
            })
        else {
            throw SpecError(
                field: field, message: "'\(name)' is not a valid model name: use letters, digits, '-', '_' and '.'")
        }
    }

    /// Checks what can be checked before touching data.
    public func validate() throws {
        try Self.checkName(name, field: "name")
        guard !query.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw SpecError(field: "query", message: "the query is empty")
        }
        guard (0..<1).contains(split.testFraction) else {
            throw SpecError(
                field: "split.test_fraction", message: "must be at least 0 and below 1; got \(split.testFraction)")
        }
        if let folds = crossValidationFolds, folds < 2 {
            throw SpecError(field: "cv.folds", message: "must be at least 2; got \(folds)")
        }
        guard !models.isEmpty else { throw SpecError(field: "models", message: "lists no model") }
        if let filter = clean.filter {
            do {
                _ = try TrainingQuery(validating: cleanedQuery)
            } catch {
                throw SpecError(
                    field: "clean.where", message: "'\(filter)' does not make one read-only query: \(error)")
            }
        }
        if let metric = promotionMetric, ModelTask.metric(named: metric) == nil {
            throw SpecError(
                field: "promote",
                message: "unknown metric '\(metric)'; valid: \(ModelTask.metricNames.joined(separator: ", "))")
        }
        if let similar {
            guard !similar.match.isEmpty || !similar.nearest.isEmpty, !similar.nearest.isEmpty else {
                throw SpecError(field: "similar.nearest", message: "names no column to be nearest on")
            }
            if let read = featuresToRead {
                let known = Set(read.all + [target])
                for name in similar.match + similar.nearest + similar.columns where !known.contains(name) {
                    throw SpecError(
                        field: "similar",
                        message:
                            "\(name) is not a feature or the target; valid: \(known.sorted().joined(separator: ", "))")
                }
                for name in similar.nearest where !read.numeric.contains(name) && name != target {
                    throw SpecError(field: "similar.nearest", message: "\(name) must be a numeric feature")
                }
            }
        }
        if let read = featuresToRead, let both = read.numeric.first(where: read.categorical.contains) {
            throw SpecError(field: "models", message: "'\(both)' is numeric in one model and categorical in another")
        }
        var tasks: Set<ModelTask> = []
        for (m, model) in models.enumerated() {
            let prefix = models.count == 1 ? "" : "models[\(m)]."
            for (i, set) in model.hyperparameterSets.enumerated() {
                do {
                    tasks.insert(try ModelSettings(kind: model.kind, set).task)
                } catch let error as LearningError {
                    throw SpecError(field: "\(prefix)hyperparameters[\(i)]", message: error.message)
                }
            }
            if let search = model.search { try Self.validate(search, of: model, prefix) }
        }
        if tasks.count > 1 {
            throw SpecError(
                field: models.count == 1 ? "hyperparameters" : "models",
                message: "every model and set must make the same task (one objective per spec)")
        }
    }

    /// A search's settings, and that every searched name is the kind's, each end of its range
    /// (or each choice) a value the kind accepts.
    private static func validate(_ search: Search, of model: Candidate, _ prefix: String) throws {
        let sets = model.hyperparameterSets.count
        guard !search.space.isEmpty else {
            throw SpecError(field: "\(prefix)search.space", message: "names no parameter")
        }
        guard (1...10_000).contains(search.trials) else {
            throw SpecError(field: "\(prefix)search.trials", message: "must be from 1 to 10,000; got \(search.trials)")
        }
        guard (1...search.trials).contains(search.register) else {
            throw SpecError(field: "\(prefix)search.register", message: "must be from 1 to the number of trials")
        }
        if let metric = search.metric, ModelTask.metric(named: metric) == nil {
            throw SpecError(
                field: "\(prefix)search.metric",
                message: "unknown metric '\(metric)'; valid: \(ModelTask.metricNames.joined(separator: ", "))")
        }
        guard sets == 1 else {
            throw SpecError(
                field: "\(prefix)search",
                message: "searches around one base set; list at most one under hyperparameters")
        }
        if let folds = search.folds, !(2...20).contains(folds) {
            throw SpecError(field: "\(prefix)search.cv.folds", message: "must be from 2 to 20; got \(folds)")
        }
        let valid = Set(ModelSettings.validNames(for: model.kind))
        for (name, distribution) in search.space.sorted(by: { $0.key < $1.key }) {
            let field = "\(prefix)search.space.\(name)"
            guard valid.contains(name) else {
                throw SpecError(
                    field: field,
                    message:
                        "\(model.kind) has no hyperparameter \(name); valid: \(valid.sorted().joined(separator: ", "))")
            }
            let probes: [HyperparameterValue]
            switch distribution {
            case .uniform(let a, let b), .logUniform(let a, let b): probes = [.number(a), .number(b)]
            case .int(let a, let b): probes = [.number(Double(a)), .number(Double(b))]
            case .choice(let options): probes = options
            }
            for probe in probes {
                var set = model.hyperparameterSets[0]
                set[name] = probe
                do {
                    _ = try ModelSettings(kind: model.kind, set)
                } catch let problem as LearningError {
                    throw SpecError(field: field, message: problem.message)
                }
            }
        }
    }

    /// What the spec's models predict (they agree, `validate` checks).
    public var task: ModelTask { models[0].task }

    /// The columns to read: every model's features, or nil (infer them) when a model has none
    /// of its own and the spec names none.
    public var featuresToRead: FeatureSchema? {
        var numeric: [String] = []
        var categorical: [String] = []
        for schema in models.map({ $0.features ?? features }) {
            guard let schema else { return nil }
            for name in schema.numeric where !numeric.contains(name) { numeric.append(name) }
            for name in schema.categorical where !categorical.contains(name) { categorical.append(name) }
        }
        return FeatureSchema(numeric: numeric, categorical: categorical)
    }
}

/// A problem in a training spec, located by line (when from a file) and field.
public struct SpecError: Error, Sendable, CustomStringConvertible {
    public var file: String?
    public var line: Int?
    public var field: String
    public var message: String

    public init(file: String? = nil, line: Int? = nil, field: String, message: String) {
        self.file = file
        self.line = line
        self.field = field
        self.message = message
    }

    public var description: String {
        var location = file ?? "spec"
        if let line { location += ":\(line)" }
        return "\(location): \(field): \(message)"
    }
}
