import Foundation

/// The Cholesky factor L of a symmetric positive definite matrix (A = LLᵀ), for solving the
/// normal equations and Newton steps, and for inverting them for standard errors.
///
/// A pivot that vanishes means a column is a linear combination of the ones before it; the
/// error says which, and of which columns, so collinearity is named rather than absorbed.
public struct Cholesky: Sendable {
    public let factor: Matrix

    /// A column that is (numerically) a linear combination of earlier columns.
    public struct Dependency: Error, Sendable {
        public let column: Int
        /// Earlier columns and their weights in the combination.
        public let combination: [(column: Int, weight: Double)]
    }

    /// Fails with `Dependency` when a pivot falls below `tolerance` times its diagonal
    /// element: the column's residual after projecting on the earlier ones is that small.
    public init(_ a: Matrix, tolerance: Double = 1e-10) throws {
        precondition(a.rows == a.columns)
        let p = a.rows
        var l = Matrix(rows: p, columns: p)
        for j in 0..<p {
            var d = a[j, j]
            for k in 0..<j { d -= l[j, k] * l[j, k] }
            if !(d > tolerance * max(a[j, j], .leastNormalMagnitude)) {
                throw Dependency(column: j, combination: Self.combination(l, a, column: j))
            }
            let root = d.squareRoot()
            l[j, j] = root
            for i in (j + 1)..<max(j + 1, p) {
                var s = a[i, j]
                for k in 0..<j { s -= l[i, k] * l[j, k] }
                l[i, j] = s / root
            }
        }
        factor = l
    }

    /// Solves A x = b.
    public func solve(_ b: [Double]) -> [Double] {
        let p = factor.rows
        var y = b
        for i in 0..<p {
            var s = y[i]
            for k in 0..<i { s -= factor[i, k] * y[k] }
            y[i] = s / factor[i, i]
        }
        for i in stride(from: p - 1, through: 0, by: -1) {
            var s = y[i]
            for k in (i + 1)..<max(i + 1, p) { s -= factor[k, i] * y[k] }
            y[i] = s / factor[i, i]
        }
        return y
    }

    /// A⁻¹, column by column.
    public func inverse() -> Matrix {
        let p = factor.rows
        var out = Matrix(rows: p, columns: p)
        for j in 0..<p {
            var e = [Double](repeating: 0, count: p)
            e[j] = 1
            let column = solve(e)
            for i in 0..<p { out[i, j] = column[i] }
        }
        return out
    }

    /// log det A.
    public var logDeterminant: Double {
        2 * factor.diagonal.reduce(0) { $0 + Foundation.log($1) }
    }

    /// Regresses column j of A's Gram on the earlier columns (whose factor is complete) to
    /// say what it depends on.
    private static func combination(_ l: Matrix, _ a: Matrix, column j: Int) -> [(column: Int, weight: Double)] {
        guard j > 0 else { return [] }
        var partial = Matrix(rows: j, columns: j)
        for r in 0..<j { for c in 0...r { partial[r, c] = l[r, c] } }
        let solver = Cholesky(uncheckedFactor: partial)
        let weights = solver.solve((0..<j).map { a[$0, j] })
        let largest = weights.map(abs).max() ?? 0
        return weights.enumerated().filter { abs($0.element) > 1e-8 * max(largest, 1e-300) }.map {
            (column: $0.offset, weight: $0.element)
        }
    }

    private init(uncheckedFactor: Matrix) {
        factor = uncheckedFactor
    }
}
