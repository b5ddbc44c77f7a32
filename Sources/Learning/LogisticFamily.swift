/// Logistic regression as a model family: scikit-learn's objective and parameters, with
/// statsmodels' Logit inference for unpenalised fits.
struct LogisticFamily: ModelFamily {
    struct Parameters: FamilyParameters, Equatable {
        var regression = LogisticRegression.Parameters()
        /// Probability above which the label is 1.
        var threshold = 0.5

        var fitIntercept: Bool { regression.fitIntercept }
        var dropsFirstLevel: Bool { regression.penalty == .none }
        var labelThreshold: Double { threshold }
    }

    let kind = ModelKind.logistic
    let task = ModelTask.binaryClassification

    func parameters(_ reader: inout HyperparameterReader) throws -> any FamilyParameters {
        var p = Parameters()
        p.regression.penalty = try reader.choice("penalty", default: LogisticRegression.Penalty.l2)
        p.regression.C = try reader.number("C", default: 1, "a number > 0") { $0 > 0 }
        p.regression.l1Ratio = try reader.number("l1_ratio", default: 0.5, "between 0 and 1") { (0...1).contains($0) }
        p.regression.fitIntercept = try reader.bool("fit_intercept", default: true)
        p.regression.classWeight = try reader.choice("class_weight", default: LogisticRegression.ClassWeight.none)
        p.regression.maxIterations = try reader.integer("max_iter", default: 100, minimum: 1)
        p.regression.tolerance = try reader.number("tol", default: 1e-8, "a number > 0") { $0 > 0 }
        p.regression.solver = try reader.choice("solver", default: LogisticRegression.Solver.auto)
        p.threshold = try reader.number("threshold", default: 0.5, "between 0 and 1 (exclusive)") { $0 > 0 && $0 < 1 }
        return p
    }

    func prepareTarget(_ y: [Double], _ parameters: any FamilyParameters) throws -> [Double] {
        try LogisticRegression.checkBinary(y)
        return y
    }

    func fit(_ x: Matrix, _ y: [Double], names: [String], _ parameters: any FamilyParameters) throws -> (
        estimator: any Estimator, summary: TrainingSummary
    ) {
        let p = try own(parameters, as: Parameters.self)
        let interceptColumn = p.fitIntercept ? 0 : nil
        let fit = try LogisticRegression(p.regression).fit(x, y, interceptColumn: interceptColumn)
        var summary = TrainingSummary(
            rows: y.count, iterations: fit.iterations, converged: fit.converged, solver: fit.solver.rawValue)
        if p.regression.penalty == .none {
            summary.logisticInference = try? LogisticInference(
                x: x, y: y, coefficients: fit.coefficients, interceptColumn: interceptColumn)
        }
        let estimator = LinearEstimator.splitting(
            fit.coefficients, intercept: p.fitIntercept, link: .logit(threshold: p.threshold))
        return (estimator, summary)
    }

    func decodeEstimator(from decoder: any Decoder, featureNames: [String], _ parameters: any FamilyParameters)
        throws -> any Estimator
    {
        try LinearEstimator.decode(
            from: decoder, featureNames: featureNames,
            link: .logit(threshold: try own(parameters, as: Parameters.self).threshold))
    }

    func caveats(_ parameters: any FamilyParameters) -> [String] {
        guard (parameters as? Parameters)?.regression.classWeight == .balanced else { return [] }
        return [
            "trained with class_weight balanced: its probabilities are not calibrated (they overstate the "
                + "rarer class); use them to rank rows, not as rates"
        ]
    }
}
