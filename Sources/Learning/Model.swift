import Foundation

/// What a model says about one row.
public enum Prediction: Sendable, Equatable {
    /// Logistic: P(y = 1) and the label it implies.
    case classification(probability: Double, label: Int)
    /// Linear: the predicted value, on the target's original scale.
    case regression(value: Double)
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

    enum CodingKeys: String, CodingKey {
        case rows, iterations, converged, solver
        case logisticInference = "logistic_inference", olsInference = "ols_inference"
    }
}

/// A fitted model: preprocessing, coefficients by feature name, and how it was trained.
/// It predicts from a dictionary of named values and round-trips through a versioned JSON
/// artifact with bit-identical predictions.
public struct Model: Sendable, Equatable {
    public let kind: ModelKind
    public let schema: FeatureSchema
    public let preprocessor: Preprocessor
    /// One per `featureNames` entry.
    public let coefficients: [Double]
    public let intercept: Double
    public let hyperparameters: Hyperparameters
    public let settings: ModelSettings
    public let training: TrainingSummary

    public var featureNames: [String] { preprocessor.featureNames }

    /// Cautions about reading this model's output, for people (`models show`).
    public var caveats: [String] {
        var notes: [String] = []
        if kind.task == .binaryClassification && settings.logistic.classWeight == .balanced {
            notes.append(
                "trained with class_weight balanced: its probabilities are not calibrated (they overstate the "
                    + "rarer class); use them to rank rows, not as rates")
        }
        return notes
    }

    /// Coefficients paired with their feature names, in model order.
    public var namedCoefficients: [(name: String, value: Double)] {
        zip(featureNames, coefficients).map { (name: $0, value: $1) }
    }

    init(
        kind: ModelKind, schema: FeatureSchema, preprocessor: Preprocessor, coefficients: [Double], intercept: Double,
        hyperparameters: Hyperparameters, settings: ModelSettings, training: TrainingSummary
    ) {
        self.kind = kind
        self.schema = schema
        self.preprocessor = preprocessor
        self.coefficients = coefficients
        self.intercept = intercept
        self.hyperparameters = hyperparameters
        self.settings = settings
        self.training = training
    }

    /// Fits a model of `kind` with one hyperparameter set.
    public static func train(
        kind: ModelKind, data: TrainingData, schema: FeatureSchema, hyperparameters: Hyperparameters = [:]
    ) throws -> Model {
        let settings = try ModelSettings(kind: kind, hyperparameters)
        guard data.count > 0 else { throw LearningError(.emptyData, "no rows to learn from") }
        var target = data.target
        if kind == .logistic {
            try LogisticRegression.checkBinary(target)
        } else {
            target = try transformTarget(target, settings.targetTransform)
        }
        let preprocessor = try Preprocessor.fit(
            data, schema: schema, missing: settings.missing, standardize: settings.standardize,
            dropFirst: settings.dropFirst, levels: settings.levels)
        let intercept = settings.fitIntercept
        try preprocessor.checkDesignSize(rows: data.count, intercept: intercept, limit: settings.memoryLimit)
        let x = try preprocessor.design(data, intercept: intercept)
        let names = (intercept ? ["intercept"] : []) + preprocessor.featureNames
        let interceptColumn = intercept ? 0 : nil
        let coefficients: [Double]
        var summary: TrainingSummary
        switch kind {
        case .logistic:
            let fit = try LogisticRegression(settings.logistic).fit(x, target, interceptColumn: interceptColumn)
            coefficients = fit.coefficients
            summary = TrainingSummary(
                rows: data.count, iterations: fit.iterations, converged: fit.converged, solver: fit.solver.rawValue)
            if settings.logistic.penalty == .none {
                summary.logisticInference = try? LogisticInference(
                    x: x, y: target, coefficients: fit.coefficients, interceptColumn: interceptColumn)
            }
        case .linear:
            let fit = try LinearRegression(settings.linear).fit(
                x, target, interceptColumn: interceptColumn, names: names)
            coefficients = fit.coefficients
            summary = TrainingSummary(
                rows: data.count, iterations: fit.iterations, converged: fit.converged,
                solver: settings.linear.method == .ols || settings.linear.method == .ridge
                    ? "cholesky" : "coordinate_descent")
            summary.olsInference = fit.inference
        }
        return Model(
            kind: kind, schema: schema, preprocessor: preprocessor,
            coefficients: intercept ? Array(coefficients.dropFirst()) : coefficients,
            intercept: intercept ? coefficients[0] : 0, hyperparameters: hyperparameters, settings: settings,
            training: summary)
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

    /// Predicts one row of named values. Unknown or missing features, text for numbers and
    /// non-finite numbers are one error listing every problem; an unseen category is not
    /// an error (it encodes as zeros) and is counted in `unknownCategories`.
    public func predict(_ row: [String: FeatureValue]) throws -> (prediction: Prediction, unknownCategories: Int) {
        try withVector { try preprocessor.encode(row, into: $0) }
    }

    /// Predicts one row given in `preprocessor.inputNames` order, with the same checks.
    public func predict(ordered values: UnsafeBufferPointer<FeatureValue?>) throws -> (
        prediction: Prediction, unknownCategories: Int
    ) {
        try withVector { try preprocessor.encode(ordered: values, into: $0) }
    }

    /// Encodes into a scratch vector on the stack, then predicts from it.
    private func withVector(_ encode: (UnsafeMutableBufferPointer<Double>) throws -> Int) throws -> (
        prediction: Prediction, unknownCategories: Int
    ) {
        try withUnsafeTemporaryAllocation(of: Double.self, capacity: coefficients.count) { vector in
            vector.initialize(repeating: 0)
            let unknown = try encode(vector)
            // η = b + Σ cⱼxⱼ in feature order (the same order every time, so the same bits).
            var eta = intercept
            for j in 0..<coefficients.count { eta += coefficients[j] * vector[j] }
            return (prediction(linearPredictor: eta), unknown)
        }
    }

    func prediction(linearPredictor eta: Double) -> Prediction {
        switch kind {
        case .logistic:
            let p = sigmoid(eta)
            return .classification(probability: p, label: p > settings.threshold ? 1 : 0)
        case .linear:
            return .regression(value: Self.inverse(eta, settings.targetTransform))
        }
    }

    static func inverse(_ value: Double, _ transform: TargetTransform) -> Double {
        switch transform {
        case .none: value
        case .log: exp(value)
        case .log1p: expm1(value)
        }
    }

    /// Predictions for every row of a data set: probabilities (logistic) or values (linear).
    public func predictions(for data: TrainingData) throws -> [Double] {
        let x = try preprocessor.design(data, intercept: false)
        let eta = Kernels.times(x, coefficients)
        return eta.map { e in
            switch prediction(linearPredictor: e + intercept) {
            case .classification(let p, _): p
            case .regression(let v): v
            }
        }
    }

    /// Metrics on a data set (held-out rows, or the training rows).
    public func evaluate(on data: TrainingData) throws -> Evaluation {
        let predicted = try predictions(for: data)
        switch kind {
        case .logistic:
            return .classification(
                ClassificationMetrics(truth: data.target, probabilities: predicted, threshold: settings.threshold))
        case .linear:
            return .regression(RegressionMetrics(truth: data.target, predictions: predicted))
        }
    }
}

/// Metrics of either kind.
public enum Evaluation: Sendable, Equatable {
    case classification(ClassificationMetrics)
    case regression(RegressionMetrics)
}
