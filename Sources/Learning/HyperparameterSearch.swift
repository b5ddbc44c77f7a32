import Foundation

/// Where a searched hyperparameter's values come from.
public enum SearchDistribution: Sendable, Equatable {
    case uniform(Double, Double)
    case logUniform(Double, Double)
    /// Whole numbers from low to high, both included.
    case int(Int, Int)
    case choice([HyperparameterValue])
}

/// One evaluated hyperparameter set: its number (from 0), values and score (lower is
/// better; nil when the fit failed).
public struct SearchTrial: Sendable, Equatable {
    public var number: Int
    public var parameters: Hyperparameters
    public var score: Double?

    public init(number: Int, parameters: Hyperparameters, score: Double?) {
        self.number = number
        self.parameters = parameters
        self.score = score
    }
}

/// Proposes hyperparameter sets: at random, or by the tree-structured Parzen estimator as
/// Optuna's default `TPESampler` does (read `optuna/samplers/_tpe/sampler.py` and
/// `parzen_estimator.py`): the first `startupTrials` at random — the very draws the random
/// sampler makes with the same seed — then, per parameter, the completed trials are split
/// into the best `gamma(n)` and the rest, a Parzen estimator (truncated Gaussians at the
/// observed values plus a wide prior) is fitted to each, and of 24 candidates drawn from the
/// good one the one with the largest l(x)/g(x) is proposed.
public struct SearchSampler: Sendable {
    public enum Method: String, Sendable, CaseIterable {
        case random, tpe
    }

    public let method: Method
    /// Parameter names and where they come from, in a fixed (sorted) order.
    public let space: [(name: String, distribution: SearchDistribution)]
    public var startupTrials = 10
    public var candidates = 24
    public var priorWeight = 1.0
    private var generator: SeededGenerator

    public init(method: Method, space: [String: SearchDistribution], seed: UInt64) {
        self.method = method
        self.space = space.keys.sorted().map { ($0, space[$0]!) }
        generator = SeededGenerator(seed: seed)
    }

    /// The next set to try, given every trial so far.
    public mutating func next(after history: [SearchTrial]) -> Hyperparameters {
        let completed = history.filter { $0.score != nil }
        var values: Hyperparameters = [:]
        for (name, distribution) in space {
            if method == .random || completed.count < startupTrials {
                values[name] = randomValue(distribution)
            } else {
                values[name] = tpeValue(name, distribution, completed)
            }
        }
        return values
    }

    // MARK: Random

    private mutating func unit() -> Double { Double(generator.next() >> 11) / Double(1 << 53) }

    private mutating func randomValue(_ distribution: SearchDistribution) -> HyperparameterValue {
        switch distribution {
        case .uniform(let low, let high): return .number(low + (high - low) * unit())
        case .logUniform(let low, let high): return .number(exp(log(low) + (log(high) - log(low)) * unit()))
        case .int(let low, let high): return .number(Double(low + Int(unit() * Double(high - low + 1))))
        case .choice(let options): return options[min(options.count - 1, Int(unit() * Double(options.count)))]
        }
    }

    // MARK: TPE

    /// Optuna's default gamma: the best 10% (at most 25) are "good".
    static func goodCount(_ n: Int) -> Int { min(Int((0.1 * Double(n)).rounded(.up)), 25) }

    /// Optuna's default weights: flat for the newest 25, a ramp from 1/n for older trials.
    static func weights(_ n: Int) -> [Double] {
        guard n >= 25 else { return [Double](repeating: 1, count: n) }
        let ramp = n - 25
        let rampValues = (0..<ramp).map { i in
            ramp == 1 ? 1.0 / Double(n) : 1.0 / Double(n) + (1 - 1.0 / Double(n)) * Double(i) / Double(ramp - 1)
        }
        return rampValues + [Double](repeating: 1, count: 25)
    }

    private mutating func tpeValue(
        _ name: String, _ distribution: SearchDistribution, _ completed: [SearchTrial]
    ) -> HyperparameterValue {
        let ranked = completed.sorted { ($0.score!, $0.number) < ($1.score!, $1.number) }
        let good = Self.goodCount(completed.count)
        // Each group in the order the trials ran, for the weights.
        let below = ranked.prefix(good).sorted { $0.number < $1.number }
        let above = ranked.dropFirst(good).sorted { $0.number < $1.number }
        switch distribution {
        case .choice(let options):
            let l = categorical(options, below.compactMap { $0.parameters[name] })
            let g = categorical(options, above.compactMap { $0.parameters[name] })
            var best = (index: 0, score: -Double.infinity)
            for _ in 0..<candidates {
                var u = unit()
                var k = 0
                while k < options.count - 1 && u >= l[k] {
                    u -= l[k]
                    k += 1
                }
                let score = log(l[k]) - log(g[k])
                if score > best.score { best = (k, score) }
            }
            return options[best.index]
        default:
            let (low, high) = Self.bounds(distribution)
            let observedBelow = below.compactMap { Self.inner($0.parameters[name], distribution) }
            let observedAbove = above.compactMap { Self.inner($0.parameters[name], distribution) }
            let l = Parzen(observedBelow, low: low, high: high, priorWeight: priorWeight)
            let g = Parzen(observedAbove, low: low, high: high, priorWeight: priorWeight)
            var best = (x: l.mus.last!, score: -Double.infinity)
            for _ in 0..<candidates {
                let x = l.sample(&generator)
                let score = l.logDensity(x) - g.logDensity(x)
                if score > best.score { best = (x, score) }
            }
            return Self.outer(best.x, distribution)
        }
    }

    private func categorical(_ options: [HyperparameterValue], _ observed: [HyperparameterValue]) -> [Double] {
        let w = Self.weights(observed.count)
        var mass = [Double](repeating: priorWeight / Double(options.count), count: options.count)
        for (i, value) in observed.enumerated() {
            if let k = options.firstIndex(of: value) { mass[k] += w[i] }
        }
        let total = mass.reduce(0, +)
        return mass.map { $0 / total }
    }

    /// The search interval on the internal scale (log for log-uniform; ints widened by a half).
    static func bounds(_ distribution: SearchDistribution) -> (Double, Double) {
        switch distribution {
        case .uniform(let low, let high): (low, high)
        case .logUniform(let low, let high): (log(low), log(high))
        case .int(let low, let high): (Double(low) - 0.5, Double(high) + 0.5)
        case .choice: (0, 1)
        }
    }

    static func inner(_ value: HyperparameterValue?, _ distribution: SearchDistribution) -> Double? {
        guard case .number(let v)? = value else { return nil }
        if case .logUniform = distribution { return log(v) }
        return v
    }

    static func outer(_ x: Double, _ distribution: SearchDistribution) -> HyperparameterValue {
        switch distribution {
        case .logUniform(let low, let high): return .number(min(max(exp(x), low), high))
        case .int(let low, let high): return .number(Double(min(max(Int(x.rounded()), low), high)))
        case .uniform(let low, let high): return .number(min(max(x, low), high))
        case .choice(let options): return options[0]
        }
    }
}

/// A mixture of Gaussians truncated to [low, high]: one at each observation with Optuna's
/// neighbour-gap bandwidths ("magic clip" lower bound), and a prior at the centre as wide as
/// the interval.
struct Parzen {
    var mus: [Double] = []
    var sigmas: [Double] = []
    var weights: [Double] = []
    let low: Double
    let high: Double

    init(_ observations: [Double], low: Double, high: Double, priorWeight: Double) {
        self.low = low
        self.high = high
        let n = observations.count
        var sigma = [Double](repeating: high - low, count: n)
        if n > 0 {
            let order = observations.indices.sorted { observations[$0] < observations[$1] }
            var sorted: [Double] = [low]
            for index in order { sorted.append(observations[index]) }
            sorted.append(high)
            var sortedSigmas: [Double] = []
            for i in 1...n {
                let before: Double = sorted[i] - sorted[i - 1]
                let after: Double = sorted[i + 1] - sorted[i]
                sortedSigmas.append(max(before, after))
            }
            if sorted.count >= 4 {
                sortedSigmas[0] = sorted[2] - sorted[1]
                sortedSigmas[n - 1] = sorted[n] - sorted[n - 1]
            }
            for (rank, index) in order.enumerated() { sigma[index] = sortedSigmas[rank] }
        }
        let maxSigma = high - low
        let minSigma = (high - low) / min(100, 1 + Double(n))
        mus = observations + [(low + high) / 2]
        sigmas = sigma.map { min(max($0, minSigma), maxSigma) } + [maxSigma]
        let w = SearchSampler.weights(n) + [priorWeight]
        let total = w.reduce(0, +)
        weights = w.map { $0 / total }
    }

    func logDensity(_ x: Double) -> Double {
        var density = 0.0
        for k in mus.indices {
            let z = normalCDF((high - mus[k]) / sigmas[k]) - normalCDF((low - mus[k]) / sigmas[k])
            let u = (x - mus[k]) / sigmas[k]
            density += weights[k] * exp(-0.5 * u * u) / (sigmas[k] * (2 * Double.pi).squareRoot() * max(z, 1e-300))
        }
        return log(max(density, 1e-300))
    }

    func sample(_ generator: inout SeededGenerator) -> Double {
        var u = Double(generator.next() >> 11) / Double(1 << 53)
        var k = 0
        while k < weights.count - 1 && u >= weights[k] {
            u -= weights[k]
            k += 1
        }
        // Rejection from the component's Gaussian into [low, high], then clamping.
        for _ in 0..<100 {
            let u1 = Double(generator.next() >> 11) / Double(1 << 53) + 1e-300
            let u2 = Double(generator.next() >> 11) / Double(1 << 53)
            let x = mus[k] + sigmas[k] * (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
            if x >= low && x <= high { return x }
        }
        return min(max(mus[k], low), high)
    }

    private func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }
}
