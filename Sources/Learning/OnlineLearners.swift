import Foundation

/// Logistic regression learned one batch at a time by stochastic gradient descent, with
/// scikit-learn's SGDClassifier(loss="log_loss") update and learning-rate schedules, an L2
/// penalty, and running standardisation of the features.
public struct OnlineLogisticRegression: Sendable, Equatable, Codable {
    public enum Schedule: String, Sendable, Codable, CaseIterable {
        /// η = eta0
        case constant
        /// η = 1 / (α (t₀ + t)), t₀ chosen so the first step is eta0
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
    /// Samples stepped on so far.
    public private(set) var steps = 0
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
                let decay = 1 - eta * parameters.alpha
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
            let t0 = 1 / (parameters.alpha * parameters.eta0)
            return 1 / (parameters.alpha * (t0 + t - 1))
        case .invscaling: return parameters.eta0 / pow(t, parameters.powerT)
        }
    }

    func standardized(_ row: [Double]) -> [Double] {
        guard parameters.standardize, seen > 1 else { return row }
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

/// Progressive validation: each batch is scored by the model as it was before learning
/// from it, so the running score measures generalisation without a held-out set.
public struct ProgressiveValidation: Sendable, Equatable, Codable {
    public struct Point: Sendable, Equatable, Codable {
        public var batch: Int
        public var rowsSeen: Int
        /// Log loss (classification) or RMSE (regression) of this batch, before learning it.
        public var batchScore: Double
        /// The same over every batch so far.
        public var cumulativeScore: Double
        /// Accuracy (classification) or MAE (regression), cumulative.
        public var cumulativeSecondary: Double

        enum CodingKeys: String, CodingKey {
            case batch, rowsSeen = "rows_seen", batchScore = "batch_score", cumulativeScore = "cumulative_score"
            case cumulativeSecondary = "cumulative_secondary"
        }
    }

    public private(set) var history: [Point] = []
    private var rows = 0
    private var lossSum = 0.0
    private var secondarySum = 0.0

    public init() {}

    /// Records a classification batch: predicted probabilities, then the true labels.
    public mutating func recordClassification(probabilities: [Double], truth: [Double]) {
        var loss = 0.0
        var correct = 0.0
        for (p, y) in zip(probabilities, truth) {
            let clipped = min(max(p, .ulpOfOne), 1 - .ulpOfOne)
            loss -= y == 1 ? log(clipped) : log(1 - clipped)
            if (p > 0.5 ? 1.0 : 0.0) == y { correct += 1 }
        }
        append(batchRows: truth.count, loss: loss, secondary: correct, batchScore: loss / Double(max(1, truth.count)))
        history[history.count - 1].cumulativeScore = lossSum / Double(rows)
    }

    /// Records a regression batch: predictions, then the true values.
    public mutating func recordRegression(predictions: [Double], truth: [Double]) {
        var squared = 0.0
        var absolute = 0.0
        for (f, y) in zip(predictions, truth) {
            squared += (f - y) * (f - y)
            absolute += abs(f - y)
        }
        append(
            batchRows: truth.count, loss: squared, secondary: absolute,
            batchScore: (squared / Double(max(1, truth.count))).squareRoot())
        history[history.count - 1].cumulativeScore = (lossSum / Double(rows)).squareRoot()
    }

    private mutating func append(batchRows: Int, loss: Double, secondary: Double, batchScore: Double) {
        rows += batchRows
        lossSum += loss
        secondarySum += secondary
        history.append(
            Point(
                batch: history.count + 1, rowsSeen: rows, batchScore: batchScore, cumulativeScore: 0,
                cumulativeSecondary: secondarySum / Double(max(1, rows))))
    }
}
