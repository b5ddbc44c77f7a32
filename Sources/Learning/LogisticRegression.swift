import Foundation

/// Binary logistic regression with scikit-learn's objective and hyperparameters:
/// minimises C·Σ wᵢ·logloss(yᵢ, ηᵢ) + penalty(β), the intercept never penalised.
///
/// Solvers: Newton (IRLS, Cholesky) for up to a few hundred features, L-BFGS beyond, and a
/// proximal Newton method with coordinate descent for L1 and elastic net.
public struct LogisticRegression: Sendable {
    public enum Penalty: String, Sendable, CaseIterable, Codable {
        case none, l2, l1, elasticnet
    }

    public enum Solver: String, Sendable, CaseIterable, Codable {
        case auto, newton, lbfgs, coordinateDescent = "coordinate_descent"
    }

    public enum ClassWeight: String, Sendable, CaseIterable, Codable {
        case none, balanced
    }

    public struct Parameters: Sendable, Equatable, Codable {
        public var penalty: Penalty = .l2
        /// Inverse regularisation strength, as in scikit-learn.
        public var C: Double = 1
        /// Share of L1 in the elastic net penalty.
        public var l1Ratio: Double = 0.5
        public var fitIntercept = true
        public var classWeight: ClassWeight = .none
        public var maxIterations = 100
        /// Convergence: the largest gradient component (Newton, L-BFGS) or coefficient
        /// change (coordinate descent) below this.
        public var tolerance = 1e-8
        public var solver: Solver = .auto

        public init() {}

        enum CodingKeys: String, CodingKey {
            case penalty, C, l1Ratio = "l1_ratio", fitIntercept = "fit_intercept", classWeight = "class_weight"
            case maxIterations = "max_iter", tolerance = "tol", solver
        }
    }

    /// The result of a fit, on the design matrix's columns.
    public struct Fit: Sendable, Equatable {
        /// One per design column (the intercept column, if any, included).
        public var coefficients: [Double]
        public var iterations: Int
        public var converged: Bool
        public var solver: Solver
    }

    public var parameters: Parameters

    public init(_ parameters: Parameters = Parameters()) {
        self.parameters = parameters
    }

    /// Fits on a design matrix whose column `interceptColumn` (if any) is all ones and is not
    /// penalised; `y` holds 0/1.
    public func fit(_ x: Matrix, _ y: [Double], interceptColumn: Int?) throws -> Fit {
        try Self.checkBinary(y)
        guard x.rows == y.count else {
            throw LearningError(.shapeMismatch, "design has \(x.rows) rows but the target has \(y.count)")
        }
        let weights = sampleWeights(y)
        let problem = LogisticProblem(
            x: x, y: y, weights: weights, interceptColumn: interceptColumn, parameters: parameters)
        let solver = resolvedSolver(features: x.columns)
        switch solver {
        case .newton: return try problem.newton()
        case .lbfgs: return problem.lbfgs()
        case .coordinateDescent, .auto: return try problem.proximalNewton()
        }
    }

    func resolvedSolver(features: Int) -> Solver {
        if parameters.penalty == .l1 || parameters.penalty == .elasticnet { return .coordinateDescent }
        if parameters.solver != .auto && parameters.solver != .coordinateDescent { return parameters.solver }
        return features <= 300 ? .newton : .lbfgs
    }

    /// Per-row weights: 1, or n / (2·count of the row's class) for balanced classes.
    func sampleWeights(_ y: [Double]) -> [Double]? {
        guard parameters.classWeight == .balanced else { return nil }
        let positives = y.reduce(0, +)
        let n = Double(y.count)
        let wPositive = n / (2 * positives)
        let wNegative = n / (2 * (n - positives))
        return y.map { $0 == 1 ? wPositive : wNegative }
    }

    /// The target must hold both 0 and 1 and nothing else.
    public static func checkBinary(_ y: [Double]) throws {
        guard !y.isEmpty else { throw LearningError(.emptyData, "no rows to learn from") }
        var seen: Set<Double> = []
        for (i, v) in y.enumerated() {
            guard v.isFinite else { throw LearningError(.nonFinite, "target is \(v) in row \(i + 1)") }
            if v != 0 && v != 1 {
                seen.insert(v)
                if seen.count > 3 { break }
            }
        }
        if !seen.isEmpty {
            let shown = seen.sorted().prefix(3).map { formatValue($0) }.joined(separator: ", ")
            throw LearningError(
                .nonBinaryTarget, "logistic regression needs a 0/1 target; found other values (\(shown))")
        }
        let positives = y.reduce(0, +)
        if positives == 0 || positives == Double(y.count) {
            throw LearningError(
                .singleClass,
                "the target has only one class (\(positives == 0 ? 0 : 1)) in \(y.count) rows: nothing to tell apart")
        }
    }
}

/// Shortest readable text for a number in messages.
func formatValue(_ v: Double) -> String {
    v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
}

/// Numerically safe logistic function.
@inline(__always)
func sigmoid(_ eta: Double) -> Double {
    if eta >= 0 { return 1 / (1 + exp(-eta)) }
    let e = exp(eta)
    return e / (1 + e)
}

/// log(1 + exp(η)) without overflow.
@inline(__always)
func log1pExp(_ eta: Double) -> Double {
    eta > 0 ? eta + log1p(exp(-eta)) : log1p(exp(eta))
}
