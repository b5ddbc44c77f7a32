import Foundation

/// What to do to a regression target before fitting; predictions are mapped back.
public enum TargetTransform: String, Sendable, Codable, CaseIterable {
    case none, log, log1p
}

/// Everything a hyperparameter set decides, checked: the family's parameters and the
/// shared preprocessing around them.
public struct ModelSettings: Sendable, Equatable {
    public var kind: ModelKind
    /// The family's own parameters (`kind.family` reads them).
    public var parameters: any FamilyParameters
    public var standardize = false
    public var missing = MissingPolicy.error
    /// Drop each categorical feature's first level; by default as the family says
    /// (unpenalised models, where the full one-hot set is collinear with the intercept).
    public var dropFirst: Bool
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

    private static func read(_ kind: ModelKind, _ reader: inout HyperparameterReader) throws -> ModelSettings {
        let parameters = try kind.family.parameters(&reader)
        var s = ModelSettings(kind: kind, parameters: parameters, dropFirst: parameters.dropsFirstLevel)
        s.standardize = try reader.bool("standardize", default: false)
        let family = kind.family
        s.missing = try reader.choice("missing", default: family.handlesMissingValues ? .native : MissingPolicy.error)
        if s.missing == .native && !family.handlesMissingValues {
            throw LearningError(
                .invalidHyperparameter,
                "missing native needs a kind that learns from missing values (gbdt); use mean or most_frequent")
        }
        s.dropFirst = try reader.bool("drop_first", default: s.dropFirst)
        s.levels.maxCategories = try reader.integer(
            "max_categories", default: ModelSettings.defaultMaxCategories, minimum: 2)
        s.levels.minFrequency = try reader.optionalNumber("min_frequency", "a share of rows below 1, or a count") {
            $0 > 0
        }
        return s
    }

    private init(kind: ModelKind, parameters: any FamilyParameters, dropFirst: Bool) {
        self.kind = kind
        self.parameters = parameters
        self.dropFirst = dropFirst
    }

    public static func == (a: ModelSettings, b: ModelSettings) -> Bool {
        a.kind == b.kind && a.parameters.isEqual(to: b.parameters) && a.standardize == b.standardize
            && a.missing == b.missing && a.dropFirst == b.dropFirst && a.levels == b.levels
            && a.memoryLimit == b.memoryLimit
    }

    var fitIntercept: Bool { parameters.fitIntercept }

    /// What this set makes the kind predict.
    public var task: ModelTask { kind.family.task(for: parameters) }

    /// Logistic parameters (defaults for other kinds).
    public var logistic: LogisticRegression.Parameters {
        (parameters as? LogisticFamily.Parameters)?.regression ?? LogisticRegression.Parameters()
    }

    /// Linear parameters (defaults for other kinds).
    public var linear: LinearRegression.Parameters {
        (parameters as? LinearFamily.Parameters)?.regression ?? LinearRegression.Parameters()
    }

    /// Probability above which the label is 1 (classifiers; 0.5 unless set).
    public var threshold: Double { parameters.labelThreshold }
}

extension ModelSettings {
    /// The task's metrics of predictions (probabilities or values) against the truth: the one
    /// place training, held-out evaluation, progressive validation and live monitoring score
    /// a model.
    public func evaluation(truth: [Double], _ predicted: [Double]) -> Evaluation {
        switch task {
        case .binaryClassification:
            .classification(ClassificationMetrics(truth: truth, probabilities: predicted, threshold: threshold))
        case .regression:
            .regression(RegressionMetrics(truth: truth, predictions: predicted))
        }
    }
}
