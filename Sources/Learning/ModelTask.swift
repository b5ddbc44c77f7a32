/// What a model predicts. The task, not the kind, decides the metrics a version is judged
/// by, the one that ranks versions by default, whether splits stratify, and what the target
/// must look like: every layer asks the task instead of switching on kinds.
public enum ModelTask: String, Sendable, Codable, CaseIterable {
    /// A number (linear regression, regression trees).
    case regression
    /// The probability of a 0/1 target, and the label it implies.
    case binaryClassification = "binary_classification"

    /// A metric and which way is better.
    public struct Metric: Sendable, Equatable {
        public let name: String
        public let higherIsBetter: Bool
        public let summary: String
    }

    /// Every metric the task reports, in the order people read them.
    public var metrics: [Metric] {
        switch self {
        case .binaryClassification:
            [
                Metric(name: "log_loss", higherIsBetter: false, summary: "mean negative log-likelihood of the labels"),
                Metric(name: "roc_auc", higherIsBetter: true, summary: "area under the ROC curve"),
                Metric(name: "brier", higherIsBetter: false, summary: "mean squared error of the probabilities"),
                Metric(name: "accuracy", higherIsBetter: true, summary: "share of labels right at the threshold"),
                Metric(name: "f1", higherIsBetter: true, summary: "harmonic mean of precision and recall"),
                Metric(name: "precision", higherIsBetter: true, summary: "share of predicted 1s that are 1"),
                Metric(name: "recall", higherIsBetter: true, summary: "share of 1s predicted as 1"),
            ]
        case .regression:
            [
                Metric(name: "rmse", higherIsBetter: false, summary: "root mean squared error"),
                Metric(name: "mae", higherIsBetter: false, summary: "mean absolute error"),
                Metric(name: "r2", higherIsBetter: true, summary: "share of the variance explained"),
                Metric(name: "mape", higherIsBetter: false, summary: "mean absolute percentage error"),
                Metric(
                    name: "median_absolute_error", higherIsBetter: false, summary: "median of the absolute errors"),
            ]
        }
    }

    /// The metric that ranks versions when none is named, and the one dashboards lead with.
    /// For probabilities it is log loss, which rewards calibrated probabilities: ROC AUC
    /// only ranks rows, and would promote a class-weighted model whose probabilities are
    /// far from the event's rate.
    public var headlineMetric: String { metrics[0].name }

    /// The metrics tables show for versions of this task.
    public var keyMetrics: [String] {
        switch self {
        case .binaryClassification: ["log_loss", "roc_auc", "accuracy", "f1"]
        case .regression: ["rmse", "r2", "mae"]
        }
    }

    /// Whether train/test splits and folds keep the class balance.
    public var stratifies: Bool { self == .binaryClassification }

    /// The metric of this name, of any task.
    public static func metric(named name: String) -> Metric? {
        for task in allCases {
            if let metric = task.metrics.first(where: { $0.name == name }) { return metric }
        }
        return nil
    }

    /// Every metric name, sorted (for messages).
    public static var metricNames: [String] { allCases.flatMap { $0.metrics.map(\.name) }.sorted() }

    /// Metric names in display order across tasks (for tables that mix tasks).
    public static var displayOrder: [String] { allCases.flatMap(\.keyMetrics) }
}
