import Foundation

/// Linear regression: ordinary least squares with statsmodels' inference, and ridge, lasso
/// and elastic net with scikit-learn's objectives. Everything is solved from centred
/// sufficient statistics, so one pass over the data suffices (two for HC3).
public struct LinearRegression: Sendable {
    public enum Method: String, Sendable, CaseIterable, Codable {
        case ols, ridge, lasso, elasticnet
    }

    public struct Parameters: Sendable, Equatable, Codable {
        public var method: Method = .ols
        /// Penalty strength (ridge, lasso, elastic net), as in scikit-learn.
        public var alpha: Double = 1
        /// Share of L1 in the elastic net penalty.
        public var l1Ratio: Double = 0.5
        public var fitIntercept = true
        public var maxIterations = 100_000
        /// Coordinate descent stops when no coefficient moves more than this.
        public var tolerance = 1e-10

        public init() {}

        enum CodingKeys: String, CodingKey {
            case method, alpha, l1Ratio = "l1_ratio", fitIntercept = "fit_intercept"
            case maxIterations = "max_iter", tolerance = "tol"
        }
    }

    public struct Fit: Sendable, Equatable {
        /// One per design column (the intercept column, if any, included).
        public var coefficients: [Double]
        public var iterations: Int
        public var converged: Bool
        /// OLS only.
        public var inference: OLSInference?
    }

    public var parameters: Parameters

    public init(_ parameters: Parameters = Parameters()) {
        self.parameters = parameters
    }

    /// Fits y on a design matrix whose column `interceptColumn` (if any) is all ones.
    /// `names` label the columns in collinearity errors.
    public func fit(_ x: Matrix, _ y: [Double], interceptColumn: Int?, names: [String]? = nil) throws -> Fit {
        guard !y.isEmpty else { throw LearningError(.emptyData, "no rows to learn from") }
        guard x.rows == y.count else {
            throw LearningError(.shapeMismatch, "design has \(x.rows) rows but the target has \(y.count)")
        }
        if let bad = y.firstIndex(where: { !$0.isFinite }) {
            throw LearningError(.nonFinite, "target is \(y[bad]) in row \(bad + 1)")
        }
        let features = (0..<x.columns).filter { $0 != interceptColumn }
        let stats = SufficientStatistics(x, columns: features, y: y)
        var fit = try fit(
            stats, featureColumns: features, interceptColumn: interceptColumn, totalColumns: x.columns,
            names: names ?? (0..<x.columns).map { "column \($0)" })
        if parameters.method == .ols, var inference = fit.inference {
            // Second pass: exact residuals, then HC3 from the leverages.
            inference.refine(x: x, y: y, coefficients: fit.coefficients)
            fit.inference = inference
        }
        return fit
    }

    /// Fits from sufficient statistics alone (the incremental learner's path): classical
    /// inference only, since HC3 needs each row's residual.
    public func fit(
        _ stats: SufficientStatistics, featureColumns: [Int], interceptColumn: Int?, totalColumns: Int,
        names: [String]
    ) throws -> Fit {
        let p = stats.featureCount
        let intercept = interceptColumn != nil && parameters.fitIntercept
        let n = stats.count
        guard n > 0 else { throw LearningError(.emptyData, "no rows to learn from") }
        let parameterCount = p + (intercept ? 1 : 0)
        if parameters.method == .ols && n <= parameterCount {
            throw LearningError(
                .tooFewRows,
                "OLS needs more rows than parameters: \(n) rows for \(parameterCount) parameters (use ridge, or fewer features)"
            )
        }
        // Normal equations on centred (or raw, without intercept) moments.
        var a = Matrix(rows: p, columns: p)
        var b = [Double](repeating: 0, count: p)
        for j in 0..<p {
            for k in 0..<p { a[j, k] = intercept ? stats.comoments[j, k] : stats.raw(j, k) }
            b[j] = intercept ? stats.comoments[j, p] : stats.raw(j, p)
        }
        if intercept, parameters.method == .ols || parameters.method == .ridge {
            for j in 0..<p where a[j, j] <= 1e-12 * max(1, abs(stats.means[j]) * abs(stats.means[j]) * Double(n)) {
                throw LearningError(
                    .constantColumn,
                    "feature \(names[featureColumns[j]]) is constant (every row is \(formatValue(stats.means[j]))): it cannot be told apart from the intercept"
                )
            }
        }
        var slopes: [Double]
        var iterations = 0
        var converged = true
        var inverse: Matrix?
        switch parameters.method {
        case .ols:
            let (solution, inv) = try solveEquilibrated(a, b, names: featureColumns.map { names[$0] })
            slopes = solution
            inverse = inv
        case .ridge:
            for j in 0..<p { a[j, j] += parameters.alpha }
            slopes = try solveEquilibrated(a, b, names: featureColumns.map { names[$0] }).solution
        case .lasso, .elasticnet:
            let l1Ratio = parameters.method == .lasso ? 1 : parameters.l1Ratio
            (slopes, iterations, converged) = coordinateDescent(
                gram: a, xty: b, n: Double(n), alpha: parameters.alpha, l1Ratio: l1Ratio)
        }
        let interceptValue = intercept ? stats.means[p] - zip(slopes, stats.means).reduce(0) { $0 + $1.0 * $1.1 } : 0
        var coefficients = [Double](repeating: 0, count: totalColumns)
        for (k, j) in featureColumns.enumerated() { coefficients[j] = slopes[k] }
        if let interceptColumn { coefficients[interceptColumn] = interceptValue }
        var inference: OLSInference?
        if let inverse {
            inference = OLSInference(
                stats: stats, slopes: slopes, inverse: inverse, intercept: intercept,
                featureColumns: featureColumns, interceptColumn: interceptColumn, totalColumns: totalColumns)
        }
        return Fit(coefficients: coefficients, iterations: iterations, converged: converged, inference: inference)
    }

    /// Solves A x = b after scaling A to unit diagonal (better conditioned), and returns A⁻¹.
    func solveEquilibrated(_ a: Matrix, _ b: [Double], names: [String]) throws -> (solution: [Double], inverse: Matrix)
    {
        let p = a.rows
        let scale = (0..<p).map { 1 / a[$0, $0].squareRoot() }
        var scaled = a
        for j in 0..<p { for k in 0..<p { scaled[j, k] *= scale[j] * scale[k] } }
        let cholesky: Cholesky
        do {
            cholesky = try Cholesky(scaled, tolerance: 1e-10)
        } catch let dependency as Cholesky.Dependency {
            let parts = dependency.combination.map {
                "\(formatWeight($0.weight * scale[$0.column] / scale[dependency.column]))·\(names[$0.column])"
            }
            let explanation = parts.isEmpty ? "" : " (≈ \(parts.joined(separator: " + ")) + constant)"
            throw LearningError(
                .collinear,
                "feature \(names[dependency.column]) is a linear combination of other features\(explanation); drop one of them"
            )
        }
        let z = cholesky.solve(zip(b, scale).map { $0 * $1 })
        var inverse = cholesky.inverse()
        for j in 0..<p { for k in 0..<p { inverse[j, k] *= scale[j] * scale[k] } }
        return (zip(z, scale).map { $0 * $1 }, inverse)
    }

    /// Cyclic coordinate descent on (1/2n)‖y - Xβ‖² + α·l1·‖β‖₁ + α(1-l1)/2·‖β‖² in Gram form
    /// (p² per sweep, whatever n).
    func coordinateDescent(gram: Matrix, xty: [Double], n: Double, alpha: Double, l1Ratio: Double)
        -> (coefficients: [Double], iterations: Int, converged: Bool)
    {
        let p = gram.rows
        var beta = [Double](repeating: 0, count: p)
        // Running Xᵀ(y - Xβ)/n kept up to date as coordinates move.
        var residualCorrelation = xty.map { $0 / n }
        let l1 = alpha * l1Ratio
        let l2 = alpha * (1 - l1Ratio)
        for sweep in 1...max(1, parameters.maxIterations) {
            var largest = 0.0
            for j in 0..<p {
                let curvature = gram[j, j] / n
                guard curvature > 0 else { continue }
                let rho = residualCorrelation[j] + curvature * beta[j]
                let updated = softThreshold(rho, l1) / (curvature + l2)
                let change = updated - beta[j]
                if change != 0 {
                    for k in 0..<p { residualCorrelation[k] -= gram[k, j] / n * change }
                    beta[j] = updated
                    largest = max(largest, abs(change))
                }
            }
            if largest <= parameters.tolerance { return (beta, sweep, true) }
        }
        return (beta, parameters.maxIterations, false)
    }
}

private func formatWeight(_ w: Double) -> String {
    abs(w - w.rounded()) < 1e-6 ? String(Int64(w.rounded())) : String(format: "%.4g", w)
}
