import Foundation
import Learning
import Testing

@Suite("Logistic regression against scikit-learn")
struct LogisticRegressionTests {
    func parameters(_ reference: Fixture.LogisticReference) -> LogisticRegression.Parameters {
        var parameters = LogisticRegression.Parameters()
        parameters.penalty = LogisticRegression.Penalty(rawValue: reference.penalty)!
        parameters.C = reference.C
        parameters.l1Ratio = reference.l1Ratio ?? 0.5
        parameters.classWeight = LogisticRegression.ClassWeight(rawValue: reference.classWeight)!
        parameters.tolerance = 1e-12
        parameters.maxIterations = 1_000
        return parameters
    }

    @Test(
        "l2 and unpenalised fits match scikit-learn's coefficients (1e-5) and probabilities (1e-6)",
        arguments: ["well_conditioned", "nearly_separable", "imbalanced", "categorical", "wide"])
    func smoothPenalties(dataset: String) throws {
        let fixture = try Fixture.load(dataset)
        let x = fixture.designWithIntercept
        for reference in fixture.logistic where reference.penalty == "l2" || reference.penalty == "none" {
            let fit = try LogisticRegression(parameters(reference)).fit(x, fixture.yLogistic, interceptColumn: 0)
            let what = "\(dataset) \(reference.penalty) C=\(reference.C) \(reference.classWeight)"
            #expect(fit.converged, "\(what)")
            expectClose(
                fit.coefficients, [reference.intercept] + reference.coefficients, relative: 1e-5, absolute: 1e-8, what)
            let probabilities = x.rowsApplying(fit.coefficients)
            expectClose(probabilities, reference.probabilities, relative: 0, absolute: 1e-6, "\(what) probabilities")
        }
    }

    @Test("L-BFGS reaches the same optimum as Newton on the wide data set")
    func lbfgsOnWideData() throws {
        let fixture = try Fixture.load("wide")
        for reference in fixture.logistic {
            var p = parameters(reference)
            p.solver = .lbfgs
            p.tolerance = 1e-8
            p.maxIterations = 10_000
            let fit = try LogisticRegression(p).fit(fixture.designWithIntercept, fixture.yLogistic, interceptColumn: 0)
            #expect(fit.solver == .lbfgs)
            #expect(fit.converged)
            expectClose(
                fit.coefficients, [reference.intercept] + reference.coefficients, relative: 1e-5, absolute: 1e-7,
                "wide lbfgs C=\(reference.C)")
        }
    }

    @Test("L1 and elastic net match scikit-learn's saga solution")
    func sparsePenalties() throws {
        let fixture = try Fixture.load("well_conditioned")
        for reference in fixture.logistic where reference.penalty == "l1" || reference.penalty == "elasticnet" {
            let fit = try LogisticRegression(parameters(reference)).fit(
                fixture.designWithIntercept, fixture.yLogistic, interceptColumn: 0)
            #expect(fit.converged)
            expectClose(
                fit.coefficients, [reference.intercept] + reference.coefficients, relative: 1e-5, absolute: 1e-7,
                "\(reference.penalty)")
        }
    }
}

extension Matrix {
    /// σ(Xβ) row by row.
    func rowsApplying(_ beta: [Double]) -> [Double] {
        (0..<rows).map { i in
            let eta = zip(row(i), beta).reduce(0) { $0 + $1.0 * $1.1 }
            return 1 / (1 + exp(-eta))
        }
    }
}
