/// Gradient-boosted trees as a model family (`kind: gbdt`), with XGBoost's parameter names
/// and defaults. The objective decides the task: `reg:squarederror` (the default) is a
/// regression, `binary:logistic` a probability. Missing values need no imputation: each
/// split learns where they go.
struct GBDTFamily: ModelFamily {
    struct Parameters: FamilyParameters, Equatable {
        var boosting = GradientBoosting.Parameters()
        var threshold = 0.5

        var fitIntercept: Bool { false }
        var dropsFirstLevel: Bool { false }
        var labelThreshold: Double { threshold }
        var categoryEncoding: Preprocessor.CategoryEncoding { boosting.nativeCategories ? .codes : .oneHot }
    }

    let kind = ModelKind(defining: "gbdt")
    let task = ModelTask.regression
    var handlesMissingValues: Bool { true }

    func task(for parameters: any FamilyParameters) -> ModelTask {
        (parameters as? Parameters)?.boosting.objective == .logistic ? .binaryClassification : .regression
    }

    func parameters(_ reader: inout HyperparameterReader) throws -> any FamilyParameters {
        var p = Parameters()
        var b = GradientBoosting.Parameters()
        b.objective = try reader.choice("objective", default: TreeEnsemble.Objective.squaredError)
        b.nEstimators = try reader.integer("n_estimators", default: 100, minimum: 1)
        b.learningRate = try reader.number("learning_rate", default: 0.3, "a number in (0, 1]") { $0 > 0 && $0 <= 1 }
        b.maxDepth = try reader.integer("max_depth", default: 6, minimum: 1)
        b.minChildWeight = try reader.number("min_child_weight", default: 1, "a number >= 0") { $0 >= 0 }
        b.regLambda = try reader.number("reg_lambda", default: 1, "a number >= 0") { $0 >= 0 }
        b.regAlpha = try reader.number("reg_alpha", default: 0, "a number >= 0") { $0 >= 0 }
        b.gamma = try reader.number("gamma", default: 0, "a number >= 0") { $0 >= 0 }
        b.subsample = try reader.number("subsample", default: 1, "a number in (0, 1]") { $0 > 0 && $0 <= 1 }
        b.colsampleByTree = try reader.number("colsample_bytree", default: 1, "a number in (0, 1]") {
            $0 > 0 && $0 <= 1
        }
        b.maxBin = try reader.integer("max_bin", default: 256, minimum: 2)
        guard b.maxBin < Int(UInt16.max) else {
            throw LearningError(.invalidHyperparameter, "hyperparameter max_bin must be below 65535")
        }
        b.seed = UInt64(try reader.integer("seed", default: 0, minimum: 0))
        let rounds = try reader.integer("early_stopping_rounds", default: 0, minimum: 0)
        b.earlyStoppingRounds = rounds > 0 ? rounds : nil
        b.validationFraction = try reader.number("validation_fraction", default: 0.1, "between 0 and 1 (exclusive)") {
            $0 > 0 && $0 < 1
        }
        b.baseScore = try reader.optionalNumber("base_score", "a number (a probability for binary:logistic)") {
            $0.isFinite
        }
        b.threads = try reader.integer("n_jobs", default: 2, minimum: 1)
        b.nativeCategories = try reader.bool("enable_categorical", default: true)
        b.maxCategoriesToOneHot = try reader.integer("max_cat_to_onehot", default: 4, minimum: 1)
        b.maxCategoryThreshold = try reader.integer("max_cat_threshold", default: 64, minimum: 1)
        p.threshold = try reader.number("threshold", default: 0.5, "between 0 and 1 (exclusive)") { $0 > 0 && $0 < 1 }
        p.boosting = b
        return p
    }

    func prepareTarget(_ y: [Double], _ parameters: any FamilyParameters) throws -> [Double] {
        if task(for: parameters) == .binaryClassification { try LogisticRegression.checkBinary(y) }
        if let bad = y.firstIndex(where: { !$0.isFinite }) {
            throw LearningError(.nonFinite, "target is \(y[bad]) in row \(bad + 1)")
        }
        return y
    }

    func fit(_ x: Matrix, _ y: [Double], names: [String], _ parameters: any FamilyParameters) throws -> (
        estimator: any Estimator, summary: TrainingSummary
    ) {
        try fit(x, y, names: names, parameters, context: FitContext())
    }

    func fit(
        _ x: Matrix, _ y: [Double], names: [String], _ parameters: any FamilyParameters, context: FitContext
    ) throws -> (estimator: any Estimator, summary: TrainingSummary) {
        var p = try own(parameters, as: Parameters.self)
        p.boosting.categoryCodeCounts = context.categoryCodeCounts
        let (ensemble, rounds) = try GradientBoosting(p.boosting).fit(
            x, y, threshold: p.threshold, watch: context.watch)
        let summary = TrainingSummary(
            rows: y.count, iterations: rounds, converged: true, solver: "hist, \(ensemble.trees.count) trees")
        return (ensemble, summary)
    }

    func decodeEstimator(from decoder: any Decoder, featureNames: [String], _ parameters: any FamilyParameters)
        throws -> any Estimator
    {
        try TreeEnsemble.decode(
            from: decoder, featureNames: featureNames, threshold: (parameters as? Parameters)?.threshold ?? 0.5)
    }
}
