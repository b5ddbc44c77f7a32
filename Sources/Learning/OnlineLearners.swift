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
        for (i, row) in rows.enumerated() {
            guard row.count == weights.count else {
                throw LearningError(.shapeMismatch, "row \(i + 1) has \(row.count) values, expected \(weights.count)")
            }
            if let bad = row.firstIndex(where: { !$0.isFinite }) {
                throw LearningError(.nonFinite, "feature \(bad + 1) is \(row[bad]) in row \(i + 1)")
            }
            guard y[i] == 0 || y[i] == 1 else {
                throw LearningError(.nonBinaryTarget, "label in row \(i + 1) is \(formatValue(y[i])); expected 0 or 1")
            }
        }
        self.rows += rows.count
        if parameters.standardize {
            for row in rows {
                seen += 1
                for j in 0..<row.count {
                    let delta = row[j] - means[j]
                    means[j] += delta / Double(seen)
                    squares[j] += delta * (row[j] - means[j])
                }
            }
        }
        for _ in 0..<max(1, parameters.epochs) {
            for (row, label) in zip(rows, y) {
                steps += 1
                let eta = learningRate()
                let x = standardized(row)
                let gradient = sigmoid(linearPredictor(x)) - label
                let decay = max(0, 1 - eta * parameters.alpha)
                for j in 0..<weights.count { weights[j] = weights[j] * decay - eta * gradient * x[j] }
                intercept -= eta * gradient
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
        guard parameters.standardize, seen > 0 else { return row }
        return (0..<row.count).map { j in
            let sd = (squares[j] / Double(seen)).squareRoot()
            return sd > 0 ? (row[j] - means[j]) / sd : row[j] - means[j]
        }
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
