import Foundation

/// The inference table and fit statistics statsmodels' OLS reports, for coefficients in
/// design-column order (intercept included where it sits).
public struct OLSInference: Sendable, Equatable, Codable {
    public var standardErrors: [Double]
    /// Heteroskedasticity-robust (HC3) standard errors; nil when fitted from statistics alone.
    public var robustStandardErrors: [Double]?
    public var tValues: [Double]
    public var pValues: [Double]
    public var confidenceLow: [Double]
    public var confidenceHigh: [Double]
    public var rSquared: Double
    public var adjustedRSquared: Double
    public var fStatistic: Double
    public var fPValue: Double
    public var logLikelihood: Double
    public var aic: Double
    public var bic: Double
    /// σ̂² = RSS / residual degrees of freedom (statsmodels' `scale`).
    public var scale: Double
    public var residualStandardError: Double
    public var conditionNumber: Double
    public var residualDegreesOfFreedom: Double
    public var observations: Int

    // What `refine` needs to redo the table from exact residuals.
    private var covarianceUnscaled: Matrix
    private var totalSumOfSquares: Double
    private var intercept: Bool
    private var parameterCount: Int

    enum CodingKeys: String, CodingKey {
        case standardErrors = "standard_errors", robustStandardErrors = "robust_standard_errors"
        case tValues = "t_values", pValues = "p_values", confidenceLow = "ci_low", confidenceHigh = "ci_high"
        case rSquared = "r_squared", adjustedRSquared = "adjusted_r_squared", fStatistic = "f_statistic"
        case fPValue = "f_p_value", logLikelihood = "log_likelihood", aic, bic, scale
        case residualStandardError = "residual_standard_error", conditionNumber = "condition_number"
        case residualDegreesOfFreedom = "df_resid", observations = "observations"
        case covarianceUnscaled = "covariance_unscaled", totalSumOfSquares = "tss", intercept
        case parameterCount = "parameter_count"
    }

    /// From sufficient statistics: RSS from the moments (exact in exact arithmetic).
    init(
        stats: SufficientStatistics, slopes: [Double], inverse: Matrix, intercept: Bool, featureColumns: [Int],
        interceptColumn: Int?, totalColumns: Int
    ) {
        let p = slopes.count
        let n = Double(stats.count)
        // Unscaled covariance (XᵀX)⁻¹ in design order; with an intercept, by the block inverse
        // of the centred system: Var(b₀) ∝ 1/n + x̄ᵀA⁻¹x̄, Cov(b₀, β) ∝ -A⁻¹x̄.
        var covariance = Matrix(rows: totalColumns, columns: totalColumns)
        for (a, j) in featureColumns.enumerated() {
            for (b, k) in featureColumns.enumerated() { covariance[j, k] = inverse[a, b] }
        }
        var gram = Matrix(rows: totalColumns, columns: totalColumns)
        for (a, j) in featureColumns.enumerated() {
            for (b, k) in featureColumns.enumerated() { gram[j, k] = stats.raw(a, b) }
        }
        if intercept, let c = interceptColumn {
            let means = Array(stats.means.prefix(p))
            let am = inverse.multiply(means)
            covariance[c, c] = 1 / n + zip(means, am).reduce(0) { $0 + $1.0 * $1.1 }
            for (a, j) in featureColumns.enumerated() {
                covariance[c, j] = -am[a]
                covariance[j, c] = -am[a]
            }
            gram[c, c] = n
            for (a, j) in featureColumns.enumerated() {
                gram[c, j] = n * stats.means[a]
                gram[j, c] = n * stats.means[a]
            }
        }
        let residual =
            intercept
            ? stats.comoments[p, p] - zip(slopes, (0..<p).map { stats.comoments[$0, p] }).reduce(0) { $0 + $1.0 * $1.1 }
            : stats.raw(p, p) - zip(slopes, (0..<p).map { stats.raw($0, p) }).reduce(0) { $0 + $1.0 * $1.1 }
        let total = intercept ? stats.comoments[p, p] : stats.raw(p, p)
        let eigenvalues = SymmetricEigen.eigenvalues(gram)
        self.covarianceUnscaled = covariance
        self.totalSumOfSquares = total
        self.intercept = intercept
        self.parameterCount = p + (intercept ? 1 : 0)
        self.observations = stats.count
        self.conditionNumber = (eigenvalues.last! / eigenvalues.first!).squareRoot()
        self.robustStandardErrors = nil
        // Filled by `table`.
        standardErrors = []
        tValues = []
        pValues = []
        confidenceLow = []
        confidenceHigh = []
        rSquared = 0
        adjustedRSquared = 0
        fStatistic = 0
        fPValue = 0
        logLikelihood = 0
        aic = 0
        bic = 0
        scale = 0
        residualStandardError = 0
        residualDegreesOfFreedom = 0
        var coefficients = [Double](repeating: 0, count: totalColumns)
        for (a, j) in featureColumns.enumerated() { coefficients[j] = slopes[a] }
        if intercept, let c = interceptColumn {
            coefficients[c] = stats.means[p] - zip(slopes, stats.means).reduce(0) { $0 + $1.0 * $1.1 }
        }
        table(coefficients: coefficients, residualSumOfSquares: max(residual, 0))
    }

    /// Recomputes RSS from exact residuals and adds HC3 standard errors: the batch path.
    mutating func refine(x: Matrix, y: [Double], coefficients: [Double]) {
        let fitted = Kernels.times(x, coefficients)
        var residuals = [Double](repeating: 0, count: y.count)
        var rss = 0.0
        for i in 0..<y.count {
            residuals[i] = y[i] - fitted[i]
            rss += residuals[i] * residuals[i]
        }
        table(coefficients: coefficients, residualSumOfSquares: rss)
        let leverage = Kernels.leverages(x, covarianceUnscaled)
        let omega = (0..<y.count).map { i -> Double in
            let d = 1 - leverage[i]
            return residuals[i] * residuals[i] / (d * d)
        }
        let meat = Kernels.weightedGram(x, weights: omega)
        let sandwich = covarianceUnscaled * meat * covarianceUnscaled
        robustStandardErrors = sandwich.diagonal.map { $0.squareRoot() }
    }

    private mutating func table(coefficients: [Double], residualSumOfSquares rss: Double) {
        let n = Double(observations)
        let k = Double(parameterCount)
        let dfResid = n - k
        let dfModel = k - (intercept ? 1 : 0)
        residualDegreesOfFreedom = dfResid
        scale = rss / dfResid
        residualStandardError = scale.squareRoot()
        standardErrors = covarianceUnscaled.diagonal.map { ($0 * scale).squareRoot() }
        tValues = zip(coefficients, standardErrors).map { $0 / $1 }
        pValues = tValues.map { Distributions.studentTTwoSided($0, df: dfResid) }
        let q = Distributions.studentTQuantile(level: 0.95, df: dfResid)
        confidenceLow = zip(coefficients, standardErrors).map { $0 - q * $1 }
        confidenceHigh = zip(coefficients, standardErrors).map { $0 + q * $1 }
        rSquared = 1 - rss / totalSumOfSquares
        adjustedRSquared = 1 - (n - (intercept ? 1 : 0)) / dfResid * (1 - rSquared)
        fStatistic = ((totalSumOfSquares - rss) / dfModel) / (rss / dfResid)
        fPValue = Distributions.fSurvival(fStatistic, d1: dfModel, d2: dfResid)
        logLikelihood = -n / 2 * (log(2 * Double.pi) + log(rss / n) + 1)
        aic = -2 * logLikelihood + 2 * k
        bic = -2 * logLikelihood + k * log(n)
    }
}
