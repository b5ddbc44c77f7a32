import Foundation

/// Logistic regression learned one batch at a time by stochastic gradient descent, with
/// scikit-learn's SGDClassifier(loss="log_loss") update and learning-rate schedules, an L2
/// penalty, and running standardisation of the features.
public struct OnlineLogisticRegression: Sendable, Equatable, Codable {
    public enum Schedule: String, Sendable, Codable, CaseIterable {
        /// η = eta0
        case constant
        /// η = 1 / (α (t₀ + t - 1)), t₀ from scikit-learn's heuristic
        case optimal
        /// η = eta0 / t^power_t
        case invscaling
    }

    public struct Parameters: Sendable, Equatable, Codable {
        public var alpha = 1e-4
        public var schedule = Schedule.invscaling
        public var eta0 = 0.1
        public var powerT = 0.5
        public var standardize = true
        /// Passes over each batch.
        public var epochs = 1

        public init() {}

        enum CodingKeys: String, CodingKey {
            case alpha, schedule, eta0, powerT = "power_t", standardize, epochs
        }
    }

    public let parameters: Parameters
    public private(set) var weights: [Double]
    public private(set) var intercept = 0.0
    /// Samples stepped on so far (rows times epochs).
    public private(set) var steps = 0
    /// Rows learnt from so far.
    public private(set) var rows = 0
    /// Running feature means and sums of squared deviations (Welford).
    public private(set) var seen = 0
    private var means: [Double]
    private var squares: [Double]

    public init(features: Int, parameters: Parameters = Parameters()) {
        self.parameters = parameters
        weights = [Double](repeating: 0, count: features)
        means = [Double](repeating: 0, count: features)
        squares = [Double](repeating: 0, count: features)
    }

    /// Learns from one batch of rows (each `features` long) with 0/1 labels.
    public mutating func partialFit(_ rows: [[Double]], _ y: [Double]) throws {
        guard rows.count == y.count else {
            throw LearningError(.shapeMismatch, "\(rows.count) rows but \(y.count) labels")
        }
        for (i, row) in rows.enumerated() where row.count != weights.count {
            throw LearningError(.shapeMismatch, "row \(i + 1) has \(row.count) values, expected \(weights.count)")
        }
        try partialFit(rows.isEmpty ? Matrix(rows: 0, columns: weights.count) : Matrix(rows: rows), y)
    }

    /// Learns from one batch: `x` has a column per feature, `y` holds 0/1 labels. A batch
    /// with a bad value teaches nothing.
    public mutating func partialFit(_ x: Matrix, _ y: [Double]) throws {
        let n = x.rows
        let p = weights.count
        guard x.columns == p, y.count == n else {
            throw LearningError(
                .shapeMismatch, "batch is \(n) x \(x.columns) with \(y.count) labels; expected \(p) features")
        }
        if let bad = x.values.firstIndex(where: { !$0.isFinite }) {
            throw LearningError(
                .nonFinite, "feature \(bad / max(n, 1) + 1) is \(x.values[bad]) in row \(bad % max(n, 1) + 1)")
        }
        if let bad = y.firstIndex(where: { $0 != 0 && $0 != 1 }) {
            throw LearningError(.nonBinaryTarget, "label in row \(bad + 1) is \(formatValue(y[bad])); expected 0 or 1")
        }
        rows += n
        x.values.withUnsafeBufferPointer { v in
            if parameters.standardize {
                for i in 0..<n {
                    seen += 1
                    for j in 0..<p {
                        let value = v[j * n + i]
                        let delta = value - means[j]
                        means[j] += delta / Double(seen)
                        squares[j] += delta * (value - means[j])
                    }
                }
            }
            // The scale stays as it is for the rest of the batch.
            let (center, deviation) = scale()
            var z = [Double](repeating: 0, count: p)
            for _ in 0..<max(1, parameters.epochs) {
                for i in 0..<n {
                    steps += 1
                    let eta = learningRate()
                    var linear = intercept
                    for j in 0..<p {
                        z[j] = (v[j * n + i] - center[j]) / deviation[j]
                        linear += weights[j] * z[j]
                    }
                    let gradient = sigmoid(linear) - y[i]
                    let decay = max(0, 1 - eta * parameters.alpha)
                    for j in 0..<p { weights[j] = weights[j] * decay - eta * gradient * z[j] }
                    intercept -= eta * gradient
                }
            }
        }
    }

    /// Each feature's centre and divisor as the running standardisation stands (0 and 1
    /// without it, or before any row; a constant feature is centred only).
    private func scale() -> (center: [Double], deviation: [Double]) {
        guard parameters.standardize, seen > 0 else {
            return ([Double](repeating: 0, count: weights.count), [Double](repeating: 1, count: weights.count))
        }
        let deviation = squares.map { squares in
            let sd = (squares / Double(seen)).squareRoot()
            return sd > 0 ? sd : 1
        }
        return (means, deviation)
    }

    /// P(y = 1) for every row of a raw (unstandardised) batch.
    public func probabilities(_ x: Matrix) -> [Double] {
        let n = x.rows
        let (center, deviation) = scale()
        return x.values.withUnsafeBufferPointer { v in
            (0..<n).map { i in
                var linear = intercept
                for j in 0..<weights.count { linear += weights[j] * ((v[j * n + i] - center[j]) / deviation[j]) }
                return sigmoid(linear)
            }
        }
    }

    func learningRate() -> Double {
        let t = Double(steps)
        switch parameters.schedule {
        case .constant: return parameters.eta0
        case .optimal:
            // scikit-learn's heuristic start: the typical weight 1/√√α, the log loss's
            // gradient being at most 1 (eta0 is not used, as there).
            let typical = (1 / parameters.alpha.squareRoot()).squareRoot()
            let t0 = 1 / (typical * parameters.alpha)
            return 1 / (parameters.alpha * (t0 + t - 1))
        case .invscaling: return parameters.eta0 / pow(t, parameters.powerT)
        }
    }

    func standardized(_ row: [Double]) -> [Double] {
        let (center, deviation) = scale()
        return (0..<row.count).map { j in (row[j] - center[j]) / deviation[j] }
    }

    func linearPredictor(_ x: [Double]) -> Double {
        var eta = intercept
        for j in 0..<weights.count { eta += weights[j] * x[j] }
        return eta
    }

    /// P(y = 1) for a raw (unstandardised) row.
    public func probability(_ row: [Double]) -> Double {
        sigmoid(linearPredictor(standardized(row)))
    }

    /// The weights and intercept on the features' own scale (the running standardisation
    /// folded in), comparable with a batch logistic fit's coefficients.
    public var rawCoefficients: (weights: [Double], intercept: Double) {
        guard parameters.standardize, seen > 0 else { return (weights, intercept) }
        var raw = weights
        var shift = intercept
        for j in 0..<weights.count {
            let sd = (squares[j] / Double(seen)).squareRoot()
            let scale = sd > 0 ? sd : 1
            raw[j] = weights[j] / scale
            shift -= weights[j] * means[j] / scale
        }
        return (raw, shift)
    }
}

/// Ordinary least squares learned one batch at a time, exactly: it keeps the sufficient
/// statistics, so after any batch its coefficients and classical inference equal a batch
/// OLS on every row seen so far.
public struct IncrementalLinearRegression: Sendable, Equatable, Codable {
    public let featureNames: [String]
    public private(set) var statistics: SufficientStatistics

    public init(featureNames: [String]) {
        self.featureNames = featureNames
        statistics = SufficientStatistics(featureCount: featureNames.count)
    }

    /// Resumes from statistics kept earlier (a checkpoint or an artifact).
    public init(featureNames: [String], statistics: SufficientStatistics) throws {
        guard statistics.featureCount == featureNames.count else {
            throw LearningError(
                .shapeMismatch, "statistics over \(statistics.featureCount) features, expected \(featureNames.count)")
        }
        self.featureNames = featureNames
        self.statistics = statistics
    }

    /// Adds a batch: `x` holds the features only (no intercept column).
    public mutating func partialFit(_ x: Matrix, _ y: [Double]) throws {
        guard x.columns == featureNames.count, x.rows == y.count else {
            throw LearningError(
                .shapeMismatch,
                "batch is \(x.rows) x \(x.columns) with \(y.count) targets; expected \(featureNames.count) features")
        }
        if let bad = x.values.firstIndex(where: { !$0.isFinite }) {
            throw LearningError(
                .nonFinite,
                "feature \(featureNames[bad / max(x.rows, 1)]) is not finite in row \(bad % max(x.rows, 1) + 1)")
        }
        if let bad = y.firstIndex(where: { !$0.isFinite }) {
            throw LearningError(.nonFinite, "target is \(y[bad]) in row \(bad + 1)")
        }
        statistics.merge(SufficientStatistics(x, columns: Array(0..<x.columns), y: y))
    }

    /// The OLS fit on everything seen: coefficients are [intercept] + one per feature.
    public func fit() throws -> LinearRegression.Fit {
        let p = featureNames.count
        return try LinearRegression().fit(
            statistics, featureColumns: Array(1..<(p + 1)), interceptColumn: 0,
            totalColumns: p + 1, names: ["intercept"] + featureNames)
    }
}
