import Foundation
import Learning
import Testing

/// Reference values from scikit-learn and statsmodels, written by
/// scripts/reference/make_fixtures.py (run scripts/regenerate-fixtures.sh to refresh).
struct Fixture: Decodable {
    let name: String
    let features: [String]
    let rows: [[Double]]
    let yLogistic: [Double]
    let yLinear: [Double]?
    let logistic: [LogisticReference]
    let logitInference: LogitInference?
    let ols: OLSReference?
    let penalizedLinear: [PenalizedReference]?
    let raw: Raw?

    struct LogisticReference: Decodable {
        let penalty: String
        let C: Double
        let classWeight: String
        let l1Ratio: Double?
        let coefficients: [Double]
        let intercept: Double
        let probabilities: [Double]
    }

    struct LogitInference: Decodable {
        let params, bse, z, p, ciLow, ciHigh: [Double]
        let llf, llnull, llrPvalue, prsquared: Double
    }

    struct OLSReference: Decodable {
        let params, bse, bseHc3, t, p, ciLow, ciHigh: [Double]
        let rsquared, rsquaredAdj, fvalue, fPvalue, llf, aic, bic, scale, conditionNumber, dfResid: Double
    }

    struct PenalizedReference: Decodable {
        let model: String
        let alpha: Double
        let l1Ratio: Double?
        let coefficients: [Double]
        let intercept: Double
    }

    struct Raw: Decodable {
        let n1, n2: [Double]
        let color: [String]
    }

    static func load(_ name: String) throws -> Fixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/\(name).json")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(Fixture.self, from: Data(contentsOf: url))
    }

    /// The features as a design matrix with a leading intercept column of ones.
    var designWithIntercept: Matrix {
        Matrix(rows: rows.map { [1] + $0 })
    }
}

/// |a - b| <= relative·max(|a|, |b|) + absolute, element by element, with the worst offender
/// in the message.
func expectClose(
    _ got: [Double], _ want: [Double], relative: Double, absolute: Double = 0, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(
        got.count == want.count, "\(what): \(got.count) values, expected \(want.count)", sourceLocation: sourceLocation)
    var worst = (index: -1, excess: 0.0)
    for (i, (g, w)) in zip(got, want).enumerated() {
        let allowed = relative * max(abs(g), abs(w)) + absolute
        let excess = abs(g - w) - allowed
        if !(excess <= 0) && (worst.index < 0 || excess > worst.excess || excess.isNaN) { worst = (i, excess) }
    }
    #expect(
        worst.index < 0,
        "\(what)[\(worst.index)]: \(worst.index >= 0 ? got[worst.index] : 0) vs \(worst.index >= 0 ? want[worst.index] : 0)",
        sourceLocation: sourceLocation)
}

func expectClose(
    _ got: Double, _ want: Double, relative: Double, absolute: Double = 0, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    expectClose([got], [want], relative: relative, absolute: absolute, what, sourceLocation: sourceLocation)
}
