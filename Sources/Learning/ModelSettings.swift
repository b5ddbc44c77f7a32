import Foundation

/// The kinds of model the registry can train. A new kind adds a case here and its settings;
/// the training pipeline only sees `Model.train`.
public enum ModelKind: String, Sendable, Codable, CaseIterable {
    case logistic
    case linear
}

/// What to do to a regression target before fitting; predictions are mapped back.
public enum TargetTransform: String, Sendable, Codable, CaseIterable {
    case none, log, log1p
}

/// Everything a hyperparameter set decides, checked: the learner's parameters and the
/// preprocessing around it.
public struct ModelSettings: Sendable, Equatable {
    public var kind: ModelKind
    public var logistic = LogisticRegression.Parameters()
    public var linear = LinearRegression.Parameters()
    public var standardize = false
    public var missing = MissingPolicy.error
    /// Drop each categorical feature's first level; by default only for unpenalised models
    /// (where the full one-hot set is collinear with the intercept).
    public var dropFirst: Bool
    public var targetTransform = TargetTransform.none
    /// Probability above which the label is 1 (logistic).
    public var threshold = 0.5
    /// Categorical levels kept per feature (the rest pooled), as OneHotEncoder's options.
    public var levels = Preprocessor.LevelLimits(maxCategories: ModelSettings.defaultMaxCategories)
    /// The most memory a fit's design may take (half the machine's by default).
    public var memoryLimit = ModelSettings.defaultMemoryLimit

    /// Columns per categorical feature unless `max_categories` says otherwise: enough for
    /// any real grade or colour, and a 200,000-level id column trains instead of asking
    /// for hundreds of gigabytes.
    public static let defaultMaxCategories = 100
    public static let defaultMemoryLimit = Int(clamping: ProcessInfo.processInfo.physicalMemory / 2)

    /// Reads and checks a hyperparameter set for a kind; unknown names and invalid values
    /// are errors that list what is valid.
    public init(kind: ModelKind, _ values: Hyperparameters) throws {
        var reader = HyperparameterReader(values, kind: kind.rawValue)
        self = try Self.read(kind, &reader)
        try reader.finish()
    }

    /// The hyperparameter names a kind accepts.
    public static func validNames(for kind: ModelKind) -> [String] {
        var reader = HyperparameterReader([:], kind: kind.rawValue)
        _ = try? read(kind, &reader)
        return reader.known.sorted()
    }

    private init(defaultsFor kind: ModelKind) {
        self.kind = kind
        dropFirst = false
    }

    private static func read(_ kind: ModelKind, _ reader: inout HyperparameterReader) throws -> ModelSettings {
        var s = ModelSettings(defaultsFor: kind)
        switch kind {
        case .logistic:
            s.logistic.penalty = try reader.choice("penalty", default: LogisticRegression.Penalty.l2)
            s.logistic.C = try reader.number("C", default: 1, "a number > 0") { $0 > 0 }
            s.logistic.l1Ratio = try reader.number("l1_ratio", default: 0.5, "between 0 and 1") { (0...1).contains($0) }
            s.logistic.fitIntercept = try reader.bool("fit_intercept", default: true)
            s.logistic.classWeight = try reader.choice("class_weight", default: LogisticRegression.ClassWeight.none)
            s.logistic.maxIterations = try reader.integer("max_iter", default: 100, minimum: 1)
            s.logistic.tolerance = try reader.number("tol", default: 1e-8, "a number > 0") { $0 > 0 }
            s.logistic.solver = try reader.choice("solver", default: LogisticRegression.Solver.auto)
            s.threshold = try reader.number("threshold", default: 0.5, "between 0 and 1 (exclusive)") {
                $0 > 0 && $0 < 1
            }
            s.dropFirst = s.logistic.penalty == .none
        case .linear:
            s.linear.method = try reader.choice("method", default: LinearRegression.Method.ols)
            s.linear.alpha = try reader.number("alpha", default: 1, "a number >= 0") { $0 >= 0 }
            s.linear.l1Ratio = try reader.number("l1_ratio", default: 0.5, "between 0 and 1") { (0...1).contains($0) }
            s.linear.fitIntercept = try reader.bool("fit_intercept", default: true)
            s.linear.maxIterations = try reader.integer("max_iter", default: 100_000, minimum: 1)
            s.linear.tolerance = try reader.number("tol", default: 1e-10, "a number > 0") { $0 > 0 }
            s.targetTransform = try reader.choice("target_transform", default: TargetTransform.none)
            s.dropFirst = s.linear.method == .ols
        }
        s.standardize = try reader.bool("standardize", default: false)
        s.missing = try reader.choice("missing", default: MissingPolicy.error)
        s.dropFirst = try reader.bool("drop_first", default: s.dropFirst)
        s.levels.maxCategories = try reader.integer(
            "max_categories", default: ModelSettings.defaultMaxCategories, minimum: 2)
        s.levels.minFrequency = try reader.optionalNumber("min_frequency", "a share of rows below 1, or a count") {
            $0 > 0
        }
        return s
    }

    var fitIntercept: Bool {
        kind == .logistic ? logistic.fitIntercept : linear.fitIntercept
    }
}
