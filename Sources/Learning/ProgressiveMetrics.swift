import Foundation

/// Progressive validation: each batch is scored by the model as it was before learning
/// from it, so the running figures measure generalisation without a held-out set. A batch's
/// own metrics are the training metrics (`Evaluation`, one implementation); the running
/// ones are kept as sums, so they cost nothing per row and resume exactly from a checkpoint.
public struct ProgressiveMetrics: Sendable, Equatable, Codable {
    public let task: ModelTask
    public private(set) var rows = 0
    public private(set) var batches = 0
    private var lossSum = 0.0
    private var brierSum = 0.0
    private var correct = 0
    private var absoluteSum = 0.0
    private var percentageSum = 0.0
    /// Running mean and sum of squared deviations of the target (Welford), for R².
    private var targetMean = 0.0
    private var targetSquares = 0.0
    /// Counts of positive and negative rows per probability bin, for the running ROC AUC.
    private var positives: [Int]
    private var negatives: [Int]

    /// Probability bins of the running ROC AUC: pairs whose scores fall in one bin count
    /// half, so it is exact for probabilities given to 1/bins and otherwise off by at most
    /// the share of positive-negative pairs sharing a bin.
    public static let bins = 1000

    public init(task: ModelTask) {
        self.task = task
        let bins = task == .binaryClassification ? Self.bins : 0
        positives = [Int](repeating: 0, count: bins)
        negatives = [Int](repeating: 0, count: bins)
    }

    /// Records a batch scored before learning it (probabilities, or values); returns the
    /// batch's own metrics.
    @discardableResult
    public mutating func record(truth: [Double], predicted: [Double], threshold: Double = 0.5) -> [String: Double] {
        precondition(truth.count == predicted.count)
        guard !truth.isEmpty else { return [:] }
        batches += 1
        switch task {
        case .binaryClassification:
            for (y, p) in zip(truth, predicted) {
                let clipped = min(max(p, .ulpOfOne), 1 - .ulpOfOne)
                lossSum -= y == 1 ? log(clipped) : log(1 - clipped)
                brierSum += (p - y) * (p - y)
                if (p > threshold ? 1.0 : 0.0) == y { correct += 1 }
                let bin = min(Self.bins - 1, max(0, Int(p * Double(Self.bins))))
                if y == 1 { positives[bin] += 1 } else { negatives[bin] += 1 }
            }
            rows += truth.count
            return Evaluation.classification(
                ClassificationMetrics(truth: truth, probabilities: predicted, threshold: threshold)
            ).named
        case .regression:
            for (y, f) in zip(truth, predicted) {
                let e = y - f
                lossSum += e * e
                absoluteSum += abs(e)
                percentageSum += abs(e) / max(abs(y), .ulpOfOne)
                rows += 1
                let delta = y - targetMean
                targetMean += delta / Double(rows)
                targetSquares += delta * (y - targetMean)
            }
            return Evaluation.regression(RegressionMetrics(truth: truth, predictions: predicted)).named
        }
    }

    /// The running metrics over every batch so far (empty before the first).
    public var cumulative: [String: Double] {
        guard rows > 0 else { return [:] }
        let n = Double(rows)
        switch task {
        case .binaryClassification:
            var out = [
                "log_loss": lossSum / n, "brier": brierSum / n, "accuracy": Double(correct) / n, "rows": n,
            ]
            if let auc = binnedAUC { out["roc_auc"] = auc }
            return out
        case .regression:
            return [
                "rmse": (lossSum / n).squareRoot(), "mae": absoluteSum / n, "mape": percentageSum / n,
                "r2": targetSquares == 0 ? (lossSum == 0 ? 1 : 0) : 1 - lossSum / targetSquares, "rows": n,
            ]
        }
    }

    /// P(score of a positive > score of a negative), ties within a bin counted half.
    private var binnedAUC: Double? {
        let p = positives.reduce(0, +)
        let q = negatives.reduce(0, +)
        guard p > 0, q > 0 else { return nil }
        var below = 0.0
        var wins = 0.0
        for bin in 0..<Self.bins {
            wins += Double(positives[bin]) * (below + Double(negatives[bin]) / 2)
            below += Double(negatives[bin])
        }
        return wins / (Double(p) * Double(q))
    }
}
