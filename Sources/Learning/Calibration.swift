/// Reliability of probabilities: rows put in equal-width probability bins, each bin's mean
/// predicted probability against the share of its rows that were 1. A calibrated model's
/// bins lie on the diagonal.
public struct CalibrationBin: Sendable, Equatable, Codable {
    public var low: Double
    public var high: Double
    public var rows: Int
    /// nil for an empty bin.
    public var meanPredicted: Double?
    public var observedRate: Double?

    enum CodingKeys: String, CodingKey {
        case low, high, rows, meanPredicted = "mean_predicted", observedRate = "observed_rate"
    }

    /// `bins` equal-width bins over [0, 1] (a probability of 1 falls in the last), as
    /// scikit-learn's `calibration_curve(strategy="uniform")` forms them.
    public static func bins(truth: [Double], probabilities: [Double], bins: Int = 10) -> [CalibrationBin] {
        precondition(truth.count == probabilities.count && bins > 0)
        var count = [Int](repeating: 0, count: bins)
        var predicted = [Double](repeating: 0, count: bins)
        var positive = [Double](repeating: 0, count: bins)
        // Inner edges as numpy's linspace makes them (k * step); a probability on an edge
        // belongs to the bin below it, as searchsorted puts it.
        let step = 1 / Double(bins)
        func edge(_ k: Int) -> Double { Double(k) * step }
        for (y, p) in zip(truth, probabilities) {
            var bin = min(bins - 1, max(0, Int(p * Double(bins))))
            while bin > 0 && p <= edge(bin) { bin -= 1 }
            while bin < bins - 1 && p > edge(bin + 1) { bin += 1 }
            count[bin] += 1
            predicted[bin] += p
            positive[bin] += y
        }
        return (0..<bins).map { b in
            CalibrationBin(
                low: edge(b), high: edge(b + 1), rows: count[b],
                meanPredicted: count[b] > 0 ? predicted[b] / Double(count[b]) : nil,
                observedRate: count[b] > 0 ? positive[b] / Double(count[b]) : nil)
        }
    }
}
