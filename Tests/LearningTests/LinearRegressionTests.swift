import Foundation
import Learning
import Testing

@Suite("Linear regression against statsmodels and scikit-learn")
struct LinearRegressionTests {
    static let datasets = ["well_conditioned", "imbalanced", "categorical"]

    @Test("OLS coefficients, SE, HC3, t, p, CI, R², F and more match statsmodels to 1e-8", arguments: datasets)
    func olsInference(dataset: String) throws {
        let fixture = try Fixture.load(dataset)
        let reference = try #require(fixture.ols)
        let fit = try LinearRegression().fit(fixture.designWithIntercept, fixture.yLinear!, interceptColumn: 0)
        let inference = try #require(fit.inference)
        let tight = 1e-8
        expectClose(fit.coefficients, reference.params, relative: tight, "params")
        expectClose(inference.standardErrors, reference.bse, relative: tight, "bse")
        expectClose(inference.robustStandardErrors ?? [], reference.bseHc3, relative: tight, "HC3 bse")
        expectClose(inference.tValues, reference.t, relative: tight, "t")
        expectClose(inference.pValues, reference.p, relative: tight, absolute: 1e-300, "p")
        expectClose(inference.confidenceLow, reference.ciLow, relative: tight, "ci low")
        expectClose(inference.confidenceHigh, reference.ciHigh, relative: tight, "ci high")
        expectClose(inference.rSquared, reference.rsquared, relative: tight, "R²")
        expectClose(inference.adjustedRSquared, reference.rsquaredAdj, relative: tight, "adj R²")
        expectClose(inference.fStatistic, reference.fvalue, relative: tight, "F")
        expectClose(inference.fPValue, reference.fPvalue, relative: tight, absolute: 1e-300, "F p")
        expectClose(inference.logLikelihood, reference.llf, relative: tight, "llf")
        expectClose(inference.aic, reference.aic, relative: tight, "aic")
        expectClose(inference.bic, reference.bic, relative: tight, "bic")
        expectClose(inference.scale, reference.scale, relative: tight, "scale")
        expectClose(inference.residualStandardError, reference.scale.squareRoot(), relative: tight, "residual SE")
        expectClose(inference.conditionNumber, reference.conditionNumber, relative: 1e-6, "condition number")
        #expect(inference.residualDegreesOfFreedom == reference.dfResid)
    }

    @Test("ridge, lasso and elastic net match scikit-learn to 1e-5", arguments: datasets + ["wide"])
    func penalized(dataset: String) throws {
        let fixture = try Fixture.load(dataset)
        for reference in try #require(fixture.penalizedLinear) {
            var parameters = LinearRegression.Parameters()
            parameters.method = LinearRegression.Method(rawValue: reference.model)!
            parameters.alpha = reference.alpha
            parameters.l1Ratio = reference.l1Ratio ?? 0.5
            parameters.tolerance = 1e-13
            let fit = try LinearRegression(parameters).fit(
                fixture.designWithIntercept, fixture.yLinear!, interceptColumn: 0)
            #expect(fit.converged)
            expectClose(
                fit.coefficients, [reference.intercept] + reference.coefficients, relative: 1e-5, absolute: 1e-8,
                "\(dataset) \(reference.model) alpha=\(reference.alpha)")
        }
    }

    @Test("perfect collinearity is refused, naming the columns")
    func collinearity() throws {
        var rows: [[Double]] = []
        for i in 0..<50 {
            let a = Double(i % 7)
            let b = Double((i * 13) % 11)
            rows.append([1, a, b, a + 2 * b])
        }
        let y = rows.map { $0[1] * 0.5 + $0[2] + Double.random(in: 0..<1) }
        let error = #expect(throws: LearningError.self) {
            try LinearRegression().fit(Matrix(rows: rows), y, interceptColumn: 0, names: ["intercept", "a", "b", "c"])
        }
        #expect(error?.code == .collinear)
        #expect(
            error?.message.contains("feature c is a linear combination of other features") == true,
            "\(error?.message ?? "")")
        #expect(error?.message.contains("a") == true && error?.message.contains("b") == true)
    }

    @Test("a constant column is refused by name")
    func constantColumn() throws {
        let rows = (0..<30).map { [1, Double($0), 4.0] }
        let error = #expect(throws: LearningError.self) {
            try LinearRegression().fit(
                Matrix(rows: rows), rows.map { $0[1] * 2 }, interceptColumn: 0, names: ["intercept", "x", "k"])
        }
        #expect(error?.code == .constantColumn)
        #expect(error?.message.contains("feature k is constant (every row is 4)") == true)
    }

    @Test("fewer rows than parameters is refused for OLS")
    func tooFewRows() throws {
        let rows: [[Double]] = [[1, 0, 0, 1], [1, 1, 1, 0], [1, 2, 4, 1]]
        let error = #expect(throws: LearningError.self) {
            try LinearRegression().fit(Matrix(rows: rows), [1, 2, 3], interceptColumn: 0)
        }
        #expect(error?.code == .tooFewRows)
        #expect(error?.message.contains("3 rows for 4 parameters") == true)
    }
}

@Suite("Logistic inference against statsmodels")
struct LogisticInferenceTests {
    @Test(
        "Logit SE, z, p, CI, log-likelihoods, LLR p and pseudo-R² match",
        arguments: ["well_conditioned", "imbalanced", "categorical"])
    func logit(dataset: String) throws {
        let fixture = try Fixture.load(dataset)
        let reference = try #require(fixture.logitInference)
        var parameters = LogisticRegression.Parameters()
        parameters.penalty = .none
        parameters.tolerance = 1e-12
        let x = fixture.designWithIntercept
        let fit = try LogisticRegression(parameters).fit(x, fixture.yLogistic, interceptColumn: 0)
        let inference = try LogisticInference(
            x: x, y: fixture.yLogistic, coefficients: fit.coefficients, interceptColumn: 0)
        expectClose(fit.coefficients, reference.params, relative: 1e-7, "params")
        expectClose(inference.standardErrors, reference.bse, relative: 1e-6, "bse")
        expectClose(inference.zValues, reference.z, relative: 1e-6, "z")
        expectClose(inference.pValues, reference.p, relative: 1e-5, absolute: 1e-300, "p")
        expectClose(inference.confidenceLow, reference.ciLow, relative: 1e-6, absolute: 1e-9, "ci low")
        expectClose(inference.confidenceHigh, reference.ciHigh, relative: 1e-6, absolute: 1e-9, "ci high")
        expectClose(inference.logLikelihood, reference.llf, relative: 1e-10, "llf")
        // statsmodels fits the null model iteratively; ours is the closed form, so allow its tolerance.
        expectClose(inference.nullLogLikelihood, reference.llnull, relative: 1e-9, "llnull")
        expectClose(inference.likelihoodRatioPValue, reference.llrPvalue, relative: 1e-6, absolute: 1e-300, "llr p")
        expectClose(inference.pseudoRSquared, reference.prsquared, relative: 1e-9, "pseudo R²")
    }
}
