import Foundation
public import Learning

/// What to train: a model name and kind, the SQL that yields the data, the target and
/// features, how to hold data out, and one or more hyperparameter sets.
public struct TrainingSpec: Sendable, Equatable {
    public var name: String
    public var kind: ModelKind
    public var query: String
    public var target: String
    /// nil: every result column but the target, text columns categorical.
    public var features: FeatureSchema?
    /// Columns to treat as categorical when features are inferred.
    public var categoricalHints: [String] = []
    public var split = Split()
    /// k-fold cross-validation on the training part, when set.
    public var crossValidationFolds: Int?
    /// One model version is trained per set.
    public var hyperparameterSets: [Hyperparameters] = [[:]]
    /// A hyperparameter search over the first set: its best `register` sets become versions.
    public var search: Search?

    public struct Search: Sendable, Equatable {
        public var sampler = SearchSampler.Method.tpe
        public var trials = 50
        public var seed: UInt64 = 42
        /// The metric to optimise (its direction is known); nil: the task's headline.
        public var metric: String?
        /// Share of the training rows each trial is scored on.
        public var validationFraction = 0.2
        public var space: [String: SearchDistribution] = [:]
        /// How many of the best sets become versions.
        public var register = 1

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
        self.kind = kind
        self.query = query
        self.target = target
    }

    /// Checks what can be checked before touching data.
    public func validate() throws {
        guard !name.isEmpty, name.count <= 100,
            name.unicodeScalars.allSatisfy({
                CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)
            })
        else {
            throw SpecError(
                field: "name", message: "'\(name)' is not a valid model name: use letters, digits, '-', '_' and '.'")
        }
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
        var tasks: Set<ModelTask> = []
        for (i, set) in hyperparameterSets.enumerated() {
            do {
                tasks.insert(try ModelSettings(kind: kind, set).task)
            } catch let error as LearningError {
                throw SpecError(field: "hyperparameters[\(i)]", message: error.message)
            }
        }
        if let search {
            guard !search.space.isEmpty else { throw SpecError(field: "search.space", message: "names no parameter") }
            guard (1...10_000).contains(search.trials) else {
                throw SpecError(field: "search.trials", message: "must be from 1 to 10,000; got \(search.trials)")
            }
            guard (1...search.trials).contains(search.register) else {
                throw SpecError(field: "search.register", message: "must be from 1 to the number of trials")
            }
            if let metric = search.metric, ModelTask.metric(named: metric) == nil {
                throw SpecError(
                    field: "search.metric",
                    message: "unknown metric '\(metric)'; valid: \(ModelTask.metricNames.joined(separator: ", "))")
            }
            guard hyperparameterSets.count == 1 else {
                throw SpecError(field: "search", message: "searches around one base set; list at most one under hyperparameters")
            }
        }
        if tasks.count > 1 {
            throw SpecError(
                field: "hyperparameters", message: "every set must make the same task (one objective per spec)")
        }
    }

    /// What the spec's models predict (its hyperparameter sets agree, `validate` checks).
    public var task: ModelTask {
        (try? ModelSettings(kind: kind, hyperparameterSets.first ?? [:]).task) ?? kind.task
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
