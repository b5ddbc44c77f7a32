import Foundation

/// Classification metrics for a binary target, defined as scikit-learn defines them
/// (label = 1 when the probability is above the threshold, as `predict` does).
public struct ClassificationMetrics: Sendable, Equatable, Codable {
    public var accuracy: Double
    public var precision: Double
    public var recall: Double
    public var f1: Double
    /// Area under the ROC curve; nil when only one class is present.
    public var rocAUC: Double?
    public var logLoss: Double
    public var brier: Double
    /// [[true negatives, false positives], [false negatives, true positives]]
    public var confusion: [[Int]]
    public var count: Int

    enum CodingKeys: String, CodingKey {
        case accuracy, precision, recall, f1, rocAUC = "roc_auc", logLoss = "log_loss", brier, confusion, count
    }

    public init(truth: [Double], probabilities: [Double], threshold: Double = 0.5) {
        precondition(truth.count == probabilities.count)
        var tp = 0
        var fp = 0
        var tn = 0
        var fn = 0
        var logLoss = 0.0
        var brier = 0.0
        let eps = Double.ulpOfOne
        for (y, p) in zip(truth, probabilities) {
            let positive = y == 1
            let predicted = p > threshold
            switch (positive, predicted) {
            case (true, true): tp += 1
            case (false, true): fp += 1
            case (false, false): tn += 1
            case (true, false): fn += 1
            }
            let clipped = min(max(p, eps), 1 - eps)
            logLoss -= positive ? log(clipped) : log(1 - clipped)
            brier += (p - y) * (p - y)
        }
        let n = Double(max(truth.count, 1))
        count = truth.count
        accuracy = Double(tp + tn) / n
        precision = tp + fp == 0 ? 0 : Double(tp) / Double(tp + fp)
        recall = tp + fn == 0 ? 0 : Double(tp) / Double(tp + fn)
        f1 = 2 * tp + fp + fn == 0 ? 0 : Double(2 * tp) / Double(2 * tp + fp + fn)
        self.logLoss = logLoss / n
        self.brier = brier / n
        confusion = [[tn, fp], [fn, tp]]
        rocAUC = Self.areaUnderROC(truth: truth, scores: probabilities)
    }

    /// AUC as the Mann-Whitney statistic with average ranks for ties (equal to the
    /// trapezoidal area scikit-learn computes).
    static func areaUnderROC(truth: [Double], scores: [Double]) -> Double? {
        let positives = truth.filter { $0 == 1 }.count
        let negatives = truth.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSum = 0.0
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            let averageRank = Double(i + j) / 2 + 1
            for k in i...j where truth[order[k]] == 1 { rankSum += averageRank }
            i = j + 1
        }
        let p = Double(positives)
        return (rankSum - p * (p + 1) / 2) / (p * Double(negatives))
    }
}

/// Regression metrics, as scikit-learn defines them.
public struct RegressionMetrics: Sendable, Equatable, Codable {
    public var rmse: Double
    public var mae: Double
    public var r2: Double
    /// Mean absolute percentage error, as a fraction (0.05 = 5%).
    public var mape: Double
    public var medianAbsoluteError: Double
    public var count: Int

    enum CodingKeys: String, CodingKey {
        case rmse, mae, r2, mape, medianAbsoluteError = "median_absolute_error", count
    }

    public init(truth: [Double], predictions: [Double]) {
        precondition(truth.count == predictions.count)
        let n = Double(max(truth.count, 1))
        var squared = 0.0
        var absolute = 0.0
        var percentage = 0.0
        var errors: [Double] = []
        errors.reserveCapacity(truth.count)
        for (y, f) in zip(truth, predictions) {
            let e = y - f
            squared += e * e
            absolute += abs(e)
            percentage += abs(e) / max(abs(y), Double.ulpOfOne)
            errors.append(abs(e))
        }
        let mean = truth.reduce(0, +) / n
        let total = truth.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        count = truth.count
        rmse = (squared / n).squareRoot()
        mae = absolute / n
        r2 = total == 0 ? (squared == 0 ? 1 : 0) : 1 - squared / total
        mape = percentage / n
        errors.sort()
        medianAbsoluteError =
            errors.isEmpty
            ? 0
            : errors.count % 2 == 1
                ? errors[errors.count / 2] : (errors[errors.count / 2 - 1] + errors[errors.count / 2]) / 2
    }
}
