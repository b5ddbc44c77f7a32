import Foundation

/// Ordinary least squares learned online, exactly (`online_linear`): the body keeps the
/// sufficient statistics, so after any batch its coefficients and statsmodels-style
/// inference (SE, t, p, CI) equal a batch OLS on every row seen so far.
struct OnlineLinearFamily: OnlineFamily {
    struct Parameters: FamilyParameters, Equatable {
        var fitIntercept: Bool { false }
        var dropsFirstLevel: Bool { true }
    }

    static let kind = ModelKind(defining: "online_linear")
    var kind: ModelKind { Self.kind }
    let task = ModelTask.regression

    func parameters(_ reader: inout HyperparameterReader) throws -> any FamilyParameters { Parameters() }

    func prepareTarget(_ y: [Double], _ parameters: any FamilyParameters) throws -> [Double] {
        try Model.transformTarget(y, .none)
    }

    func start(featureNames: [String], _ parameters: any FamilyParameters) throws -> any OnlineEstimator {
        OnlineLinearEstimator(learner: IncrementalLinearRegression(featureNames: featureNames))
    }

    func fit(_ x: Matrix, _ y: [Double], names: [String], _ parameters: any FamilyParameters) throws -> (
        estimator: any Estimator, summary: TrainingSummary
    ) {
        var estimator = OnlineLinearEstimator(learner: IncrementalLinearRegression(featureNames: names))
        try estimator.partialFit(x, y)
        var summary = TrainingSummary(rows: y.count, iterations: 1, converged: true, solver: "sufficient_statistics")
        summary.olsInference = try estimator.learner.fit().inference
        return (estimator, summary)
    }

    func decodeEstimator(from decoder: any Decoder, featureNames: [String], _ parameters: any FamilyParameters)
        throws -> any Estimator
    {
        let container = try decoder.container(keyedBy: OnlineLinearEstimator.CodingKeys.self)
        let statistics = try container.decode(SufficientStatistics.self, forKey: .statistics)
        guard statistics.featureCount == featureNames.count, statistics.comoments.rows == featureNames.count + 1 else {
            throw LearningError(
                .malformedArtifact, "online_linear statistics do not match its \(featureNames.count) features")
        }
        return OnlineLinearEstimator(
            learner: try IncrementalLinearRegression(featureNames: featureNames, statistics: statistics))
    }
}

/// The exact online OLS body. Until the statistics determine a fit (more rows than terms,
/// no collinearity) it predicts the target's running mean.
struct OnlineLinearEstimator: OnlineEstimator, Equatable {
    private(set) var learner: IncrementalLinearRegression
    /// Intercept, then one per feature, from the statistics as they stand.
    private(set) var coefficients: [Double]

    init(learner: IncrementalLinearRegression) {
        self.learner = learner
        coefficients = Self.solve(learner)
    }

    static func solve(_ learner: IncrementalLinearRegression) -> [Double] {
        if let fit = try? learner.fit() { return fit.coefficients }
        let means = learner.statistics.means
        return [means.last ?? 0] + [Double](repeating: 0, count: learner.featureNames.count)
    }

    var rowsSeen: Int { learner.statistics.count }

    var linearTerms: (coefficients: [Double], intercept: Double)? { (Array(coefficients.dropFirst()), coefficients[0]) }

    /// Classical OLS inference on every row so far, once the fit is determined.
    var olsInference: OLSInference? { (try? learner.fit())?.inference }

    mutating func partialFit(_ x: Matrix, _ y: [Double]) throws {
        try learner.partialFit(x, y)
        coefficients = Self.solve(learner)
    }

    func predict(encoded x: UnsafeBufferPointer<Double>) -> Prediction {
        var value = coefficients[0]
        for j in 1..<coefficients.count { value += coefficients[j] * x[j - 1] }
        return .regression(value: value)
    }

    func predict(design: Matrix) -> [Prediction] {
        Kernels.times(design, Array(coefficients.dropFirst())).map { .regression(value: $0 + coefficients[0]) }
    }

    func estimates(featureNames: [String]) throws -> [TermEstimate] {
        let names = ["intercept"] + featureNames
        guard let fit = try? learner.fit(), let inference = fit.inference else {
            return zip(names, coefficients).map { TermEstimate(term: $0, value: $1) }
        }
        return names.indices.map { i in
            TermEstimate(
                term: names[i], value: fit.coefficients[i], standardError: inference.standardErrors[i],
                pValue: inference.pValues[i], low: inference.confidenceLow[i], high: inference.confidenceHigh[i])
        }
    }

    enum CodingKeys: String, CodingKey {
        case coefficients, intercept, statistics
    }

    func encode(to encoder: any Encoder, featureNames: [String]) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(
            Dictionary(uniqueKeysWithValues: zip(featureNames, coefficients.dropFirst())), forKey: .coefficients)
        try container.encode(coefficients[0], forKey: .intercept)
        try container.encode(learner.statistics, forKey: .statistics)
    }
}
