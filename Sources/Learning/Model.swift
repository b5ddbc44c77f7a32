import Foundation

/// What a model says about one row.
public enum Prediction: Sendable, Equatable {
    /// Logistic: P(y = 1) and the label it implies.
    case classification(probability: Double, label: Int)
    /// Linear: the predicted value, on the target's original scale.
    case regression(value: Double)

    /// The number it carries: the probability, or the value.
    public var value: Double {
        switch self {
        case .classification(let p, _): p
        case .regression(let v): v
        }
    }
}

/// How a fit went, kept with the model.
public struct TrainingSummary: Sendable, Equatable, Codable {
    public var rows: Int
    public var iterations: Int
    public var converged: Bool
    public var solver: String
    /// Unpenalised logistic fits: statsmodels-style inference, intercept first.
    public var logisticInference: LogisticInference?
    /// OLS fits: statsmodels-style inference, intercept first.
    public var olsInference: OLSInference?

    public init(rows: Int, iterations: Int, converged: Bool, solver: String) {
        self.rows = rows
        self.iterations = iterations
        self.converged = converged
        self.solver = solver
    }

    enum CodingKeys: String, CodingKey {
        case rows, iterations, converged, solver
        case logisticInference = "logistic_inference", olsInference = "ols_inference"
    }
}

/// A fitted model: the shared preprocessing plus an estimator body of its kind's family,
/// and how it was trained. It predicts from a dictionary of named values and round-trips
/// through a versioned JSON artifact with bit-identical predictions.
public struct Model: Sendable, Equatable {
    public let kind: ModelKind
    public let schema: FeatureSchema
    public let preprocessor: Preprocessor
    public let estimator: any Estimator
    public let hyperparameters: Hyperparameters
    public let settings: ModelSettings
    public let training: TrainingSummary

    public var featureNames: [String] { preprocessor.featureNames }

    /// One per `featureNames` entry, for bodies linear in the features (else empty).
    public var coefficients: [Double] { estimator.linearTerms?.coefficients ?? [] }
    /// The intercept of a linear body (else 0).
    public var intercept: Double { estimator.linearTerms?.intercept ?? 0 }

    /// Coefficients paired with their feature names, in model order.
    public var namedCoefficients: [(name: String, value: Double)] {
        zip(featureNames, coefficients).map { (name: $0, value: $1) }
    }

    /// Cautions about reading this model's output, for people (`models show`).
    public var caveats: [String] { kind.family.caveats(settings.parameters) }

    init(
        kind: ModelKind, schema: FeatureSchema, preprocessor: Preprocessor, estimator: any Estimator,
        hyperparameters: Hyperparameters, settings: ModelSettings, training: TrainingSummary
    ) {
        self.kind = kind
        self.schema = schema
        self.preprocessor = preprocessor
        self.estimator = estimator
        self.hyperparameters = hyperparameters
        self.settings = settings
        self.training = training
    }

    public static func == (a: Model, b: Model) -> Bool {
        a.kind == b.kind && a.schema == b.schema && a.preprocessor == b.preprocessor
            && a.estimator.isEqual(to: b.estimator) && a.hyperparameters == b.hyperparameters
            && a.settings == b.settings && a.training == b.training
    }

    /// Fits a model of `kind` with one hyperparameter set.
    /// `monitor`: rows to score as the fit goes (boosting reports every few rounds), which
    /// may stop it early.
    public static func train(
        kind: ModelKind, data: TrainingData, schema: FeatureSchema, hyperparameters: Hyperparameters = [:],
        monitor: TrainingMonitor? = nil
    ) throws -> Model {
        let settings = try ModelSettings(kind: kind, hyperparameters)
        guard data.count > 0 else { throw LearningError(.emptyData, "no rows to learn from") }
        let family = kind.family
        let target = try family.prepareTarget(data.target, settings.parameters)
        let preprocessor = try Preprocessor.fit(
            data, schema: schema, missing: settings.missing, standardize: settings.standardize,
            dropFirst: settings.dropFirst, levels: settings.levels, categories: settings.parameters.categoryEncoding)
        let intercept = settings.fitIntercept
        try preprocessor.checkDesignSize(rows: data.count, intercept: intercept, limit: settings.memoryLimit)
        let x = try preprocessor.design(data, intercept: intercept)
        let names = (intercept ? ["intercept"] : []) + preprocessor.featureNames
        var watch: RoundWatch?
        if let monitor {
            let truth = monitor.data.target
            watch = RoundWatch(
                x: try preprocessor.design(monitor.data, intercept: false), every: monitor.every,
                keepGoing: { round, predictions in
                    monitor.report(round, settings.evaluation(truth: truth, predictions.map(\.value)))
                })
        }
        let offset = intercept ? 1 : 0
        let context = FitContext(
            categoryCodeCounts: Dictionary(
                uniqueKeysWithValues: preprocessor.categoryCodeCounts.map { ($0.key + offset, $0.value) }),
            watch: watch)
        let (estimator, summary) = try family.fit(x, target, names: names, settings.parameters, context: context)
        return Model(
            kind: kind, schema: schema, preprocessor: preprocessor, estimator: estimator,
            hyperparameters: hyperparameters, settings: settings, training: summary)
    }

    static func transformTarget(_ y: [Double], _ transform: TargetTransform) throws -> [Double] {
        for (i, v) in y.enumerated() where !v.isFinite {
            throw LearningError(.nonFinite, "target is \(v) in row \(i + 1)")
        }
        switch transform {
        case .none:
            return y
        case .log:
            if let bad = y.firstIndex(where: { $0 <= 0 }) {
                throw LearningError(
                    .invalidTarget,
                    "target_transform log needs a positive target; row \(bad + 1) is \(formatValue(y[bad]))")
            }
            return y.map { Foundation.log($0) }
        case .log1p:
            if let bad = y.firstIndex(where: { $0 <= -1 }) {
                throw LearningError(
                    .invalidTarget,
                    "target_transform log1p needs a target above -1; row \(bad + 1) is \(formatValue(y[bad]))")
            }
            return y.map { Foundation.log1p($0) }
        }
    }

    // MARK: Prediction

    /// Predicts one row of named values. Unknown or absent features, text for numbers and
    /// non-finite numbers are one error listing every problem; a feature sent as null is
    /// handled by the missing-value policy and listed in `notes.imputed`; an unseen category
    /// is not an error (it encodes as zeros) and is counted in `notes.unknownCategories`.
    public func predict(_ row: [String: FeatureValue]) throws -> (
        prediction: Prediction, notes: Preprocessor.EncodingNotes
    ) {
        try withVector { try preprocessor.encode(row, into: $0) }
    }

    /// Predicts one row given in `preprocessor.inputNames` order, with the same checks.
    public func predict(ordered values: UnsafeBufferPointer<FeatureValue?>) throws -> (
        prediction: Prediction, notes: Preprocessor.EncodingNotes
    ) {
        try withVector { try preprocessor.encode(ordered: values, into: $0) }
    }

    /// Encodes into a scratch vector on the stack, then predicts from it.
    private func withVector(
        _ encode: (UnsafeMutableBufferPointer<Double>) throws -> Preprocessor.EncodingNotes
    ) throws -> (prediction: Prediction, notes: Preprocessor.EncodingNotes) {
        try withUnsafeTemporaryAllocation(of: Double.self, capacity: max(1, preprocessor.width)) { vector in
            vector.initialize(repeating: 0)
            let notes = try encode(vector)
            return (estimator.predict(encoded: UnsafeBufferPointer(vector)), notes)
        }
    }

    static func inverse(_ value: Double, _ transform: TargetTransform) -> Double {
        switch transform {
        case .none: value
        case .log: exp(value)
        case .log1p: expm1(value)
        }
    }

    /// Predictions for every row of a data set: probabilities (classifiers) or values.
    public func predictions(for data: TrainingData) throws -> [Double] {
        let x = try preprocessor.design(data, intercept: false)
        return estimator.predict(design: x).map(\.value)
    }

    /// Metrics on a data set (held-out rows, or the training rows).
    public func evaluate(on data: TrainingData) throws -> Evaluation {
        settings.evaluation(truth: data.target, try predictions(for: data))
    }
}

/// Metrics of either kind.
public enum Evaluation: Sendable, Equatable {
    case classification(ClassificationMetrics)
    case regression(RegressionMetrics)
}

extension Evaluation {
    /// The metrics as named numbers, as stored and shown.
    public var named: [String: Double] {
        switch self {
        case .classification(let m):
            var out: [String: Double] = [
                "accuracy": m.accuracy, "precision": m.precision, "recall": m.recall, "f1": m.f1, "log_loss": m.logLoss,
                "brier": m.brier, "rows": Double(m.count),
            ]
            if let auc = m.rocAUC { out["roc_auc"] = auc }
            return out
        case .regression(let m):
            return [
                "rmse": m.rmse, "mae": m.mae, "r2": m.r2, "mape": m.mape,
                "median_absolute_error": m.medianAbsoluteError,
                "rows": Double(m.count),
            ]
        }
    }
}
