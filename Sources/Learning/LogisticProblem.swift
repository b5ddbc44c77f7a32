import Foundation

/// One logistic fit in progress: the data, the weights and the penalty, and the solvers
/// that minimise Σ wᵢ·ℓᵢ(β) + (1/C)·penalty(β). Dividing scikit-learn's objective by C
/// leaves the minimiser unchanged and keeps the loss on the scale of the data.
struct LogisticProblem {
    let x: Matrix
    let y: [Double]
    let weights: [Double]?
    let interceptColumn: Int?
    let parameters: LogisticRegression.Parameters
    /// Σ wᵢ: gradients are compared to the tolerance on this mean scale, as scikit-learn does.
    let weightSum: Double

    init(x: Matrix, y: [Double], weights: [Double]?, interceptColumn: Int?, parameters: LogisticRegression.Parameters) {
        self.x = x
        self.y = y
        self.weights = weights
        self.interceptColumn = interceptColumn
        self.parameters = parameters
        weightSum = weights?.reduce(0, +) ?? Double(y.count)
    }

    var p: Int { x.columns }
    var n: Int { x.rows }

    /// L2 and L1 strengths in our scaling.
    var l2Strength: Double {
        switch parameters.penalty {
        case .none, .l1: 0
        case .l2: 1 / parameters.C
        case .elasticnet: (1 - parameters.l1Ratio) / parameters.C
        }
    }

    var l1Strength: Double {
        switch parameters.penalty {
        case .none, .l2: 0
        case .l1: 1 / parameters.C
        case .elasticnet: parameters.l1Ratio / parameters.C
        }
    }

    func isPenalised(_ j: Int) -> Bool { j != interceptColumn }

    func weight(_ i: Int) -> Double { weights?[i] ?? 1 }

    /// Σ wᵢ·ℓᵢ for linear predictors η.
    func loss(_ eta: [Double]) -> Double {
        var total = 0.0
        for i in 0..<n { total += weight(i) * (log1pExp(eta[i]) - y[i] * eta[i]) }
        return total
    }

    func penalty(_ beta: [Double]) -> Double {
        var l1 = 0.0
        var l2 = 0.0
        for j in 0..<p where isPenalised(j) {
            l1 += abs(beta[j])
            l2 += beta[j] * beta[j]
        }
        return l1Strength * l1 + 0.5 * l2Strength * l2
    }

    /// Gradient of the smooth part (loss + L2) at β, given η = Xβ.
    func gradient(_ beta: [Double], eta: [Double]) -> [Double] {
        var residual = [Double](repeating: 0, count: n)
        for i in 0..<n { residual[i] = weight(i) * (sigmoid(eta[i]) - y[i]) }
        var g = Kernels.transposeTimes(x, residual)
        for j in 0..<p where isPenalised(j) { g[j] += l2Strength * beta[j] }
        return g
    }

    func converged(_ g: [Double]) -> Bool {
        (g.map(abs).max() ?? 0) / weightSum <= parameters.tolerance
    }

    // MARK: Newton

    func newton() throws -> LogisticRegression.Fit {
        var beta = [Double](repeating: 0, count: p)
        var extraIterations = 0
        // On large data, most of Newton's path can be walked on a subsample: start the full
        // problem close to its optimum, where it converges in two or three steps.
        if n >= 200_000 {
            let stride = n / 50_000
            let rows = Swift.stride(from: 0, to: n, by: stride).map { $0 }
            var sub = parameters
            sub.tolerance = max(parameters.tolerance, 1e-6)
            sub.C = parameters.C * Double(n) / Double(rows.count)  // the same penalty per row
            let subproblem = LogisticProblem(
                x: x.selecting(rows: rows), y: rows.map { y[$0] }, weights: weights.map { w in rows.map { w[$0] } },
                interceptColumn: interceptColumn, parameters: sub)
            if let warm = try? subproblem.newton(), warm.converged {
                beta = warm.coefficients
                extraIterations = warm.iterations
            }
        }
        var eta = Kernels.times(x, beta)
        var objective = loss(eta) + penalty(beta)
        for iteration in 0...parameters.maxIterations {
            let g = gradient(beta, eta: eta)
            if converged(g) {
                return .init(
                    coefficients: beta, iterations: iteration + extraIterations, converged: true, solver: .newton)
            }
            if iteration == parameters.maxIterations { break }
            var h = [Double](repeating: 0, count: n)
            for i in 0..<n {
                let mu = sigmoid(eta[i])
                h[i] = weight(i) * mu * (1 - mu)
            }
            var hessian = Kernels.weightedGram(x, weights: h)
            for j in 0..<p where isPenalised(j) { hessian[j, j] += l2Strength }
            let step: [Double]
            do {
                step = try Cholesky(hessian, tolerance: 1e-13).solve(g)
            } catch let dependency as Cholesky.Dependency {
                throw LogisticProblem.singular(dependency)
            }
            // The Newton decrement g'H⁻¹g bounds what one more step can gain; once it is at
            // rounding level the optimum is as exact as doubles allow.
            let decrement = zip(g, step).reduce(0) { $0 + $1.0 * $1.1 }
            if decrement <= 1e-15 * max(1, abs(objective)) {
                return .init(
                    coefficients: beta, iterations: iteration + extraIterations, converged: true, solver: .newton)
            }
            // Backtracking line search on the objective (Armijo).
            var t = 1.0
            var accepted = false
            for _ in 0..<40 {
                let candidate = zip(beta, step).map { $0 - t * $1 }
                let candidateEta = Kernels.times(x, candidate)
                let candidateObjective = loss(candidateEta) + penalty(candidate)
                if candidateObjective <= objective - 1e-4 * t * decrement {
                    beta = candidate
                    eta = candidateEta
                    objective = candidateObjective
                    accepted = true
                    break
                }
                t /= 2
            }
            if !accepted {
                // No step decreases the objective: rounding has the last word.
                return .init(
                    coefficients: beta, iterations: iteration + 1 + extraIterations,
                    converged: decrement <= 1e-9 * max(1, abs(objective)), solver: .newton)
            }
        }
        return .init(
            coefficients: beta, iterations: parameters.maxIterations + extraIterations, converged: false,
            solver: .newton)
    }

    static func singular(_ dependency: Cholesky.Dependency) -> LearningError {
        LearningError(
            .collinear,
            "the Hessian is singular at column \(dependency.column): the features are collinear or a feature separates the classes perfectly"
        )
    }

    // MARK: L-BFGS

    func lbfgs(memory: Int = 10) -> LogisticRegression.Fit {
        var beta = [Double](repeating: 0, count: p)
        var eta = Kernels.times(x, beta)
        var objective = loss(eta) + penalty(beta)
        var g = gradient(beta, eta: eta)
        var sHistory: [[Double]] = []
        var yHistory: [[Double]] = []
        var rhoHistory: [Double] = []
        for iteration in 0..<parameters.maxIterations {
            if converged(g) {
                return .init(coefficients: beta, iterations: iteration, converged: true, solver: .lbfgs)
            }
            // Two-loop recursion: d = -H·g.
            var q = g
            var alphas = [Double](repeating: 0, count: sHistory.count)
            for k in stride(from: sHistory.count - 1, through: 0, by: -1) {
                alphas[k] = rhoHistory[k] * dot(sHistory[k], q)
                for j in 0..<p { q[j] -= alphas[k] * yHistory[k][j] }
            }
            if let lastS = sHistory.last, let lastY = yHistory.last {
                let gamma = dot(lastS, lastY) / dot(lastY, lastY)
                for j in 0..<p { q[j] *= gamma }
            } else {
                let norm = g.map(abs).max() ?? 1
                for j in 0..<p { q[j] /= max(norm, 1e-300) }
            }
            for k in 0..<sHistory.count {
                let b = rhoHistory[k] * dot(yHistory[k], q)
                for j in 0..<p { q[j] += sHistory[k][j] * (alphas[k] - b) }
            }
            var direction = q.map { -$0 }
            if dot(g, direction) >= 0 { direction = g.map { -$0 } }  // lost descent: restart along -g
            guard let next = wolfeStep(from: beta, objective: objective, gradient: g, direction: direction) else {
                return .init(coefficients: beta, iterations: iteration, converged: converged(g), solver: .lbfgs)
            }
            let newG = next.gradient
            let s = zip(next.beta, beta).map { $0 - $1 }
            let yk = zip(newG, g).map { $0 - $1 }
            let sy = dot(s, yk)
            if sy > 1e-12 * dot(yk, yk) {
                sHistory.append(s)
                yHistory.append(yk)
                rhoHistory.append(1 / sy)
                if sHistory.count > memory {
                    sHistory.removeFirst()
                    yHistory.removeFirst()
                    rhoHistory.removeFirst()
                }
            }
            beta = next.beta
            eta = next.eta
            objective = next.objective
            g = newG
        }
        return .init(coefficients: beta, iterations: parameters.maxIterations, converged: converged(g), solver: .lbfgs)
    }

    /// A step along `direction` meeting the strong Wolfe conditions (Nocedal & Wright,
    /// algorithms 3.5 and 3.6, with bisection in the zoom), so that L-BFGS's curvature pairs
    /// stay informative. Nil when no step decreases the objective.
    func wolfeStep(from beta: [Double], objective f0: Double, gradient g0: [Double], direction d: [Double])
        -> (beta: [Double], eta: [Double], objective: Double, gradient: [Double])?
    {
        let c1 = 1e-4
        let c2 = 0.9
        let slope0 = dot(g0, d)
        func evaluate(_ t: Double) -> (
            beta: [Double], eta: [Double], objective: Double, gradient: [Double], slope: Double
        ) {
            let b = zip(beta, d).map { $0 + t * $1 }
            let eta = Kernels.times(x, b)
            let g = gradient(b, eta: eta)
            return (b, eta, loss(eta) + penalty(b), g, dot(g, d))
        }
        func zoom(_ low: Double, _ high: Double, _ lowValue: Double) -> (
            beta: [Double], eta: [Double], objective: Double, gradient: [Double]
        )? {
            var lo = low
            var hi = high
            var fLo = lowValue
            for _ in 0..<60 {
                let t = 0.5 * (lo + hi)
                let e = evaluate(t)
                if e.objective > f0 + c1 * t * slope0 || e.objective >= fLo {
                    hi = t
                } else {
                    if abs(e.slope) <= -c2 * slope0 { return (e.beta, e.eta, e.objective, e.gradient) }
                    if e.slope * (hi - lo) >= 0 { hi = lo }
                    lo = t
                    fLo = e.objective
                }
                if abs(hi - lo) < 1e-16 { break }
            }
            guard lo > 0 else { return nil }
            let e = evaluate(lo)
            return e.objective < f0 ? (e.beta, e.eta, e.objective, e.gradient) : nil
        }
        var previous = 0.0
        var previousValue = f0
        var t = 1.0
        for i in 0..<30 {
            let e = evaluate(t)
            if e.objective > f0 + c1 * t * slope0 || (i > 0 && e.objective >= previousValue) {
                return zoom(previous, t, previousValue)
            }
            if abs(e.slope) <= -c2 * slope0 { return (e.beta, e.eta, e.objective, e.gradient) }
            if e.slope >= 0 { return zoom(t, previous, e.objective) }
            previous = t
            previousValue = e.objective
            t *= 2
        }
        return nil
    }

    // MARK: Proximal Newton with coordinate descent (L1, elastic net)

    func proximalNewton() throws -> LogisticRegression.Fit {
        var beta = [Double](repeating: 0, count: p)
        var eta = Kernels.times(x, beta)
        var objective = loss(eta) + penalty(beta)
        let l1 = l1Strength
        let l2 = l2Strength
        for iteration in 0..<parameters.maxIterations {
            // Quadratic model: weights h, working residual r = ζ - Xb with b starting at β.
            var h = [Double](repeating: 0, count: n)
            var r = [Double](repeating: 0, count: n)
            for i in 0..<n {
                let mu = sigmoid(eta[i])
                h[i] = max(weight(i) * mu * (1 - mu), 1e-12)
                r[i] = -weight(i) * (mu - y[i]) / h[i]
            }
            var b = beta
            let curvature = (0..<p).map { j -> Double in
                var a = 0.0
                for i in 0..<n { a += h[i] * x[i, j] * x[i, j] }
                return a
            }
            for _ in 0..<10_000 {
                var largestChange = 0.0
                for j in 0..<p where curvature[j] > 0 {
                    var rho = 0.0
                    let base = j * n
                    for i in 0..<n { rho += h[i] * x.values[base + i] * r[i] }
                    rho += curvature[j] * b[j]
                    let updated: Double
                    if isPenalised(j) {
                        updated = softThreshold(rho, l1) / (curvature[j] + l2)
                    } else {
                        updated = rho / curvature[j]
                    }
                    let change = updated - b[j]
                    if change != 0 {
                        for i in 0..<n { r[i] -= x.values[base + i] * change }
                        b[j] = updated
                        largestChange = max(largestChange, abs(change))
                    }
                }
                if largestChange <= parameters.tolerance * 1e-2 { break }
            }
            let direction = zip(b, beta).map { $0 - $1 }
            let size = direction.map(abs).max() ?? 0
            if size <= parameters.tolerance {
                return .init(coefficients: beta, iterations: iteration, converged: true, solver: .coordinateDescent)
            }
            // Line search on the true objective along the proximal Newton direction, with
            // the composite Armijo condition: the loss's slope plus the penalty's change.
            let g = gradient(beta, eta: eta)
            var lossSlope = dot(g, direction)
            for j in 0..<p where isPenalised(j) { lossSlope -= l2 * beta[j] * direction[j] }
            let decrease = lossSlope + penalty(b) - penalty(beta)
            var t = 1.0
            var moved = false
            for _ in 0..<40 {
                let candidate = zip(beta, direction).map { $0 + t * $1 }
                let candidateEta = Kernels.times(x, candidate)
                let candidateObjective = loss(candidateEta) + penalty(candidate)
                if candidateObjective <= objective + 1e-4 * t * min(decrease, 0) {
                    beta = candidate
                    eta = candidateEta
                    objective = candidateObjective
                    moved = true
                    break
                }
                t /= 2
            }
            if !moved {
                // No step decreases the objective at machine precision: this is the optimum.
                return .init(coefficients: beta, iterations: iteration + 1, converged: true, solver: .coordinateDescent)
            }
        }
        return .init(
            coefficients: beta, iterations: parameters.maxIterations, converged: false, solver: .coordinateDescent)
    }
}

@inline(__always)
func softThreshold(_ value: Double, _ threshold: Double) -> Double {
    value > threshold ? value - threshold : value < -threshold ? value + threshold : 0
}

@inline(__always)
func dot(_ a: [Double], _ b: [Double]) -> Double {
    var s = 0.0
    for i in 0..<a.count { s += a[i] * b[i] }
    return s
}
