/// Watches an iterative fit on rows it does not learn from, and may stop it: how a search
/// prunes a trial that is already worse than most (as Optuna's `MedianPruner` does with the
/// intermediate values a trial reports). Families whose fits have rounds (boosting) report
/// every `every` rounds; the others fit as usual and never call it.
public struct TrainingMonitor {
    /// The rows to score, with their targets.
    public var data: TrainingData
    public var every: Int
    /// The round just finished (from 1) and the metrics on `data` so far; false stops the fit,
    /// which then keeps the rounds it has.
    public var report: (Int, Evaluation) -> Bool

    public init(data: TrainingData, every: Int, report: @escaping (Int, Evaluation) -> Bool) {
        self.data = data
        self.every = max(1, every)
        self.report = report
    }
}

/// A monitor as a family sees it: the rows already encoded, and predictions to report.
public struct RoundWatch {
    public let x: Matrix
    public let every: Int
    /// The round just finished and the predictions for `x`; false stops the fit.
    public let keepGoing: (Int, [Prediction]) -> Bool
}

/// What a family may want to know about a fit beyond the numbers: which encoded columns
/// hold category codes (and how many codes each has), and a watch to report to.
public struct FitContext {
    /// Encoded column index (after any intercept column) to its number of codes.
    public var categoryCodeCounts: [Int: Int] = [:]
    public var watch: RoundWatch?

    public init(categoryCodeCounts: [Int: Int] = [:], watch: RoundWatch? = nil) {
        self.categoryCodeCounts = categoryCodeCounts
        self.watch = watch
    }
}
