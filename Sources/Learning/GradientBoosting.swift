import Dispatch
import Foundation

/// Histogram gradient boosting, as XGBoost's `hist` tree method does it: features cut into
/// at most `maxBin` bins, gradient and hessian histograms per node, the subtraction trick
/// (build the smaller child's histogram, derive the larger's from its parent), depth-wise
/// growth, a learned default direction for missing values. Parameter names, meanings and
/// defaults are XGBoost's, so settings carry over.
public struct GradientBoosting: Sendable {
    public struct Parameters: Sendable, Equatable {
        public var objective = TreeEnsemble.Objective.squaredError
        public var nEstimators = 100
        public var learningRate = 0.3
        public var maxDepth = 6
        public var minChildWeight = 1.0
        public var regLambda = 1.0
        public var regAlpha = 0.0
        public var gamma = 0.0
        public var subsample = 1.0
        public var colsampleByTree = 1.0
        public var maxBin = 256
        public var seed: UInt64 = 0
        /// Stop when the validation loss has not improved for this many rounds.
        public var earlyStoppingRounds: Int?
        /// Share of the training rows held out for early stopping.
        public var validationFraction = 0.1
        /// The starting prediction (a probability for logistic); nil: the target's mean.
        public var baseScore: Double?
        public var threads = 2
        /// Text features as one column of level codes split on sets of levels (XGBoost's
        /// `enable_categorical`), rather than one-hot columns.
        public var nativeCategories = true
        /// Below this many levels a categorical split sends one level one way (one-hot);
        /// from it, a set of levels, the levels sorted by their gradient ratio.
        public var maxCategoriesToOneHot = 4
        /// The most levels a partition scan considers on one side.
        public var maxCategoryThreshold = 64
        /// The design columns that hold category codes and how many codes each has (set by
        /// the family from the preprocessor).
        public var categoryCodeCounts: [Int: Int] = [:]

        public init() {}
    }

    public let parameters: Parameters

    public init(_ parameters: Parameters = Parameters()) {
        self.parameters = parameters
    }

    /// Fits on a design without an intercept column. Returns the ensemble and the rounds run.
    /// `watch`: rows scored every few rounds; when it says stop, the rounds so far are kept.
    public func fit(_ x: Matrix, _ y: [Double], threshold: Double = 0.5, watch: RoundWatch? = nil) throws -> (
        TreeEnsemble, rounds: Int
    ) {
        try fit(
            x, y, threshold: threshold,
            bins: FeatureBins(
                x, maxBin: parameters.maxBin, threads: parameters.threads,
                categoryCounts: parameters.categoryCodeCounts),
            watch: watch)
    }

    func fit(_ x: Matrix, _ y: [Double], threshold: Double, bins: FeatureBins, watch: RoundWatch? = nil) throws -> (
        TreeEnsemble, rounds: Int
    ) {
        let p = parameters
        let n = x.rows
        guard n > 0 else { throw LearningError(.emptyData, "no rows to learn from") }
        guard x.columns > 0 else { throw LearningError(.emptyData, "no features to split on") }
        var rng = SeededGenerator(seed: p.seed)
        // Validation rows for early stopping, drawn once.
        var trainRows = Array(0..<n)
        var validationRows: [Int] = []
        if p.earlyStoppingRounds != nil {
            trainRows.shuffle(using: &rng)
            let held = max(1, Int((Double(n) * p.validationFraction).rounded()))
            guard held < n else { throw LearningError(.tooFewRows, "too few rows to hold out a validation set") }
            validationRows = Array(trainRows.prefix(held)).sorted()
            trainRows = Array(trainRows.dropFirst(held)).sorted()
        }
        guard n < Int(Int32.max) else { throw LearningError(.tooLarge, "more than \(Int32.max - 1) rows") }
        let meanY = trainRows.reduce(0.0) { $0 + y[$1] } / Double(trainRows.count)
        let baseMargin: Double
        switch p.objective {
        case .squaredError: baseMargin = p.baseScore ?? meanY
        case .logistic:
            let base = min(max(p.baseScore ?? meanY, 1e-7), 1 - 1e-7)
            baseMargin = log(base / (1 - base))
        }
        var margin = [Double](repeating: baseMargin, count: n)
        // Row i's gradient at 2i, its hessian at 2i + 1: one cache line for both.
        var gradients = [Double](repeating: 0, count: 2 * n)
        var trees: [TreeEnsemble.Tree] = []
        var gainByRound: [[Double]] = []
        var best = (loss: Double.infinity, round: 0)
        let allTrainRows = trainRows.map { Int32($0) }
        var grownOn = [Bool](repeating: false, count: n)
        // The watched rows' margins, a tree at a time.
        var watched = [Double](repeating: baseMargin, count: watch?.x.rows ?? 0)
        var stoppedByWatch = false
        for round in 0..<p.nEstimators {
            computeGradients(margin, y, &gradients)
            var rows = allTrainRows
            if p.subsample < 1 { rows = rows.filter { _ in Double.random(in: 0..<1, using: &rng) < p.subsample } }
            var features = Array(0..<x.columns)
            if p.colsampleByTree < 1 {
                features.shuffle(using: &rng)
                features = Array(features.prefix(max(1, Int((Double(x.columns) * p.colsampleByTree).rounded()))))
                    .sorted()
            }
            var partition = RowPartition(rows)
            let grower = TreeGrower(parameters: p, bins: bins, features: features)
            let grown = gradients.withUnsafeBufferPointer { grower.grow(&partition, gradients: $0) }
            let tree = grown.tree
            trees.append(tree)
            gainByRound.append(grown.gain)
            // The rows the tree was grown on know their leaf; the others (subsampled out, or
            // validation) walk it.
            let everyRow = rows.count == n
            margin.withUnsafeMutableBufferPointer { m in
                partition.rows.withUnsafeBufferPointer { order in
                    for (value, range) in grown.leaves {
                        for k in range {
                            let i = Int(order[k])
                            m[i] += value
                            if !everyRow { grownOn[i] = true }
                        }
                    }
                }
            }
            if !everyRow {
                x.values.withUnsafeBufferPointer { values in
                    for i in 0..<n {
                        if grownOn[i] {
                            grownOn[i] = false
                        } else {
                            margin[i] += tree.value[tree.leaf { values[$0 * n + i] }]
                        }
                    }
                }
            }
            if let watch {
                let m = watch.x.rows
                watch.x.values.withUnsafeBufferPointer { values in
                    for i in 0..<m { watched[i] += tree.value[tree.leaf { values[$0 * m + i] }] }
                }
                if (round + 1) % watch.every == 0 {
                    let predictions = watched.map { TreeEnsemble.prediction($0, p.objective, threshold: threshold) }
                    if !watch.keepGoing(round + 1, predictions) {
                        stoppedByWatch = true
                        break
                    }
                }
            }
            if let patience = p.earlyStoppingRounds {
                let loss = validationLoss(margin, y, validationRows)
                if loss < best.loss {
                    best = (loss, round + 1)
                } else if round + 1 - best.round >= patience {
                    break
                }
            }
        }
        let roundsRun = trees.count
        var bestIteration: Int?
        if p.earlyStoppingRounds != nil && !stoppedByWatch {
            trees = Array(trees.prefix(best.round))
            bestIteration = best.round
        }
        var gain = [Double](repeating: 0, count: x.columns)
        for roundGain in gainByRound.prefix(trees.count) {
            for f in 0..<x.columns { gain[f] += roundGain[f] }
        }
        let ensemble = TreeEnsemble(
            objective: p.objective, baseMargin: baseMargin, trees: trees, threshold: threshold, gain: gain,
            bestIteration: bestIteration)
        return (ensemble, roundsRun)
    }

    /// The loss's first and second derivatives at each row's margin.
    private func computeGradients(_ margin: [Double], _ y: [Double], _ gradients: inout [Double]) {
        switch parameters.objective {
        case .squaredError:
            for i in 0..<margin.count {
                gradients[2 * i] = margin[i] - y[i]
                gradients[2 * i + 1] = 1
            }
        case .logistic:
            for i in 0..<margin.count {
                let prob = sigmoid(margin[i])
                gradients[2 * i] = prob - y[i]
                gradients[2 * i + 1] = max(prob * (1 - prob), 1e-16)
            }
        }
    }

    private func validationLoss(_ margin: [Double], _ y: [Double], _ rows: [Int]) -> Double {
        var loss = 0.0
        for i in rows {
            switch parameters.objective {
            case .squaredError:
                let d = margin[i] - y[i]
                loss += d * d
            case .logistic:
                let p = min(max(sigmoid(margin[i]), 1e-15), 1 - 1e-15)
                loss -= y[i] * log(p) + (1 - y[i]) * log(1 - p)
            }
        }
        return loss / Double(max(1, rows.count))
    }
}
