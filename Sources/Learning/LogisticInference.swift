import Foundation

/// statsmodels' Logit summary for an unpenalised fit: Wald standard errors from the inverse
/// Hessian, z and p values, 95% intervals, log-likelihoods, the likelihood-ratio test
/// against the intercept-only model and McFadden's pseudo-R².
public struct LogisticInference: Sendable, Equatable, Codable {
    public var standardErrors: [Double]
    public var zValues: [Double]
    public var pValues: [Double]
    public var confidenceLow: [Double]
    public var confidenceHigh: [Double]
    public var logLikelihood: Double
    public var nullLogLikelihood: Double
    public var likelihoodRatioPValue: Double
    public var pseudoRSquared: Double

    enum CodingKeys: String, CodingKey {
        case standardErrors = "standard_errors", zValues = "z_values", pValues = "p_values"
        case confidenceLow = "ci_low", confidenceHigh = "ci_high", logLikelihood = "log_likelihood"
        case nullLogLikelihood = "null_log_likelihood", likelihoodRatioPValue = "llr_p_value"
        case pseudoRSquared = "pseudo_r_squared"
    }

    public init(x: Matrix, y: [Double], coefficients: [Double], interceptColumn: Int?) throws {
        let eta = Kernels.times(x, coefficients)
        var h = [Double](repeating: 0, count: y.count)
        var logLikelihood = 0.0
        for i in 0..<y.count {
            let mu = sigmoid(eta[i])
            h[i] = mu * (1 - mu)
            logLikelihood -= log1pExp(eta[i]) - y[i] * eta[i]
        }
        let covariance: Matrix
        do {
            covariance = try Cholesky(Kernels.weightedGram(x, weights: h), tolerance: 1e-13).inverse()
        } catch let dependency as Cholesky.Dependency {
            throw LogisticProblem.singular(dependency)
        }
        standardErrors = covariance.diagonal.map { $0.squareRoot() }
        zValues = zip(coefficients, standardErrors).map { $0 / $1 }
        pValues = zValues.map(Distributions.normalTwoSided)
        confidenceLow = zip(coefficients, standardErrors).map { $0 - Distributions.normal975 * $1 }
        confidenceHigh = zip(coefficients, standardErrors).map { $0 + Distributions.normal975 * $1 }
        let n = Double(y.count)
        let positives = y.reduce(0, +)
        if interceptColumn != nil {
            let rate = positives / n
            nullLogLikelihood = positives * log(rate) + (n - positives) * log(1 - rate)
        } else {
            nullLogLikelihood = n * log(0.5)
        }
        self.logLikelihood = logLikelihood
        let df = Double(coefficients.count - (interceptColumn != nil ? 1 : 0))
        likelihoodRatioPValue = Distributions.chiSquaredSurvival(2 * (logLikelihood - nullLogLikelihood), k: df)
        pseudoRSquared = 1 - logLikelihood / nullLogLikelihood
    }
}
