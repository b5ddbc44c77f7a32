/// Linear regression as a model family: OLS with statsmodels' inference; ridge, lasso and
/// elastic net with scikit-learn's objectives; an optional log target.
struct LinearFamily: ModelFamily {
    struct Parameters: FamilyParameters, Equatable {
        var regression = LinearRegression.Parameters()
        var targetTransform = TargetTransform.none

        var fitIntercept: Bool { regression.fitIntercept }
        var dropsFirstLevel: Bool { regression.method == .ols }
    }

    let kind = ModelKind.linear
    let task = ModelTask.regression

    func parameters(_ reader: inout HyperparameterReader) throws -> any FamilyParameters {
        var p = Parameters()
        p.regression.method = try reader.choice("method", default: LinearRegression.Method.ols)
        p.regression.alpha = try reader.number("alpha", default: 1, "a number >= 0") { $0 >= 0 }
        p.regression.l1Ratio = try reader.number("l1_ratio", default: 0.5, "between 0 and 1") { (0...1).contains($0) }
        p.regression.fitIntercept = try reader.bool("fit_intercept", default: true)
        p.regression.maxIterations = try reader.integer("max_iter", default: 100_000, minimum: 1)
        p.regression.tolerance = try reader.number("tol", default: 1e-10, "a number > 0") { $0 > 0 }
        p.targetTransform = try reader.choice("target_transform", default: TargetTransform.none)
        return p
    }

    func prepareTarget(_ y: [Double], _ parameters: any FamilyParameters) throws -> [Double] {
        try Model.transformTarget(y, try own(parameters, as: Parameters.self).targetTransform)
    }

    func fit(_ x: Matrix, _ y: [Double], names: [String], _ parameters: any FamilyParameters) throws -> (
        estimator: any Estimator, summary: TrainingSummary
    ) {
        let p = try own(parameters, as: Parameters.self)
        let fit = try LinearRegression(p.regression).fit(
            x, y, interceptColumn: p.fitIntercept ? 0 : nil, names: names)
        var summary = TrainingSummary(
            rows: y.count, iterations: fit.iterations, converged: fit.converged,
            solver: p.regression.method == .ols || p.regression.method == .ridge ? "cholesky" : "coordinate_descent")
        summary.olsInference = fit.inference
        let estimator = LinearEstimator.splitting(
            fit.coefficients, intercept: p.fitIntercept, link: .identity(p.targetTransform))
        return (estimator, summary)
    }

    func decodeEstimator(from decoder: any Decoder, featureNames: [String], _ parameters: any FamilyParameters)
        throws -> any Estimator
    {
        try LinearEstimator.decode(
            from: decoder, featureNames: featureNames,
            link: .identity(try own(parameters, as: Parameters.self).targetTransform))
    }
}
