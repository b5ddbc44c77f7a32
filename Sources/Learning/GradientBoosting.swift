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

        public init() {}
    }

    public let parameters: Parameters

    public init(_ parameters: Parameters = Parameters()) {
        self.parameters = parameters
    }

    /// Features cut into bins: `cuts[f]` ascending; a value's bin is how many cuts are <= it
    /// (so a split after bin b sends x < cuts[f][b] left). With no more distinct values than
    /// bins, every distinct value has its own bin and the cuts are the values themselves.
    struct Bins {
        let rows: Int
        let features: Int
        var cuts: [[Double]] = []
        /// Row-major bin of each cell (a row's features side by side, as histograms read
        /// them); `missingBin` for NaN.
        var codes: [UInt16] = []
        static let missingBin = UInt16.max

        init(_ x: Matrix, maxBin: Int) {
            rows = x.rows
            features = x.columns
            codes = [UInt16](repeating: 0, count: x.rows * x.columns)
            for f in 0..<x.columns {
                let column = Array(x.values[(f * rows)..<((f + 1) * rows)])
                let present = column.filter { !$0.isNaN }.sorted()
                var distinct: [Double] = []
                for v in present where distinct.last != v { distinct.append(v) }
                var featureCuts: [Double]
                if distinct.count <= maxBin {
                    featureCuts = Array(distinct.dropFirst())
                } else {
                    // Quantile cuts on the sorted values, deduplicated.
                    featureCuts = []
                    for b in 1..<maxBin {
                        let v = present[min(present.count - 1, b * present.count / maxBin)]
                        if v > (featureCuts.last ?? -.infinity) && v > distinct[0] { featureCuts.append(v) }
                    }
                }
                cuts.append(featureCuts)
                for i in 0..<rows {
                    let v = column[i]
                    codes[i * features + f] = v.isNaN ? Self.missingBin : UInt16(Self.upperBound(featureCuts, v))
                }
            }
        }

        static func upperBound(_ a: [Double], _ v: Double) -> Int {
            var lo = 0
            var hi = a.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if a[mid] <= v { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
    }

    /// A node's split: feature, the bin it splits after, where missing values go, and its gain.
    struct Split {
        var feature = -1
        var bin = 0
        var defaultLeft = false
        var lossChange = 0.0
        var leftG = 0.0
        var leftH = 0.0
    }

    /// XGBoost's kRtEps: a split must reduce the loss by more than this.
    static let minimumLossChange = 1e-6

    /// Fits on a design without an intercept column. Returns the ensemble and the rounds run.
    public func fit(_ x: Matrix, _ y: [Double], threshold: Double = 0.5) throws -> (TreeEnsemble, rounds: Int) {
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
        let bins = Bins(x, maxBin: p.maxBin)
        let meanY = trainRows.reduce(0.0) { $0 + y[$1] } / Double(trainRows.count)
        let baseMargin: Double
        switch p.objective {
        case .squaredError: baseMargin = p.baseScore ?? meanY
        case .logistic:
            let base = min(max(p.baseScore ?? meanY, 1e-7), 1 - 1e-7)
            baseMargin = log(base / (1 - base))
        }
        var margin = [Double](repeating: baseMargin, count: n)
        var g = [Double](repeating: 0, count: n)
        var h = [Double](repeating: 0, count: n)
        var trees: [TreeEnsemble.Tree] = []
        var gain = [Double](repeating: 0, count: x.columns)
        var gainByRound: [[Double]] = []
        var best = (loss: Double.infinity, round: 0)
        for round in 0..<p.nEstimators {
            for i in 0..<n {
                switch p.objective {
                case .squaredError:
                    g[i] = margin[i] - y[i]
                    h[i] = 1
                case .logistic:
                    let prob = sigmoid(margin[i])
                    g[i] = prob - y[i]
                    h[i] = max(prob * (1 - prob), 1e-16)
                }
            }
            var rows = trainRows
            if p.subsample < 1 { rows = rows.filter { _ in Double.random(in: 0..<1, using: &rng) < p.subsample } }
            var features = Array(0..<x.columns)
            if p.colsampleByTree < 1 {
                features.shuffle(using: &rng)
                features = Array(features.prefix(max(1, Int((Double(x.columns) * p.colsampleByTree).rounded())))).sorted()
            }
            var roundGain = [Double](repeating: 0, count: x.columns)
            let (tree, leaves) = grow(bins: bins, g: g, h: h, rows: rows, features: features, gain: &roundGain)
            trees.append(tree)
            gainByRound.append(roundGain)
            for f in 0..<x.columns { gain[f] += roundGain[f] }
            // The rows the tree was grown on know their leaf; the others (subsampled out, or
            // validation) walk it.
            var covered = [Bool](repeating: rows.count == n, count: n)
            margin.withUnsafeMutableBufferPointer { m in
                for (value, leafRows) in leaves {
                    for i in leafRows { m[i] += value }
                }
            }
            if rows.count < n {
                for (_, leafRows) in leaves { for i in leafRows { covered[i] = true } }
                x.values.withUnsafeBufferPointer { values in
                    for i in 0..<n where !covered[i] { margin[i] += tree.value[tree.leaf { values[$0 * n + i] }] }
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
        if p.earlyStoppingRounds != nil && best.round < trees.count {
            for r in best.round..<trees.count { for f in 0..<x.columns { gain[f] -= gainByRound[r][f] } }
            trees = Array(trees.prefix(best.round))
        }
        if p.earlyStoppingRounds != nil { bestIteration = best.round }
        let ensemble = TreeEnsemble(
            objective: p.objective, baseMargin: baseMargin, trees: trees, threshold: threshold, gain: gain,
            bestIteration: bestIteration)
        return (ensemble, roundsRun)
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

    /// One tree, grown depth-wise from the rows' gradients, and each leaf's value with the
    /// rows that reached it.
    private func grow(
        bins: Bins, g: [Double], h: [Double], rows: [Int], features: [Int], gain: inout [Double]
    ) -> (TreeEnsemble.Tree, leaves: [(Double, [Int])]) {
        var leaves: [(Double, [Int])] = []
        let p = parameters
        var tree = TreeEnsemble.Tree()
        func addNode() -> Int {
            tree.feature.append(-1)
            tree.threshold.append(0)
            tree.left.append(-1)
            tree.right.append(-1)
            tree.defaultLeft.append(false)
            tree.value.append(0)
            return tree.value.count - 1
        }
        struct Pending {
            var node: Int
            var rows: [Int]
            var histogram: Histogram
            var g: Double
            var h: Double
        }
        let root = addNode()
        var rootG = 0.0
        var rootH = 0.0
        for i in rows {
            rootG += g[i]
            rootH += h[i]
        }
        var level = [
            Pending(
                node: root, rows: rows, histogram: Histogram.build(bins, g, h, rows, features, threads: p.threads),
                g: rootG, h: rootH)
        ]
        var depth = 0
        while !level.isEmpty {
            var next: [Pending] = []
            for pending in level {
                let split =
                    depth < p.maxDepth
                    ? bestSplit(pending.histogram, bins: bins, features: features, g: pending.g, h: pending.h) : nil
                guard let split else {
                    let value =
                        SplitGain.weight(pending.g, pending.h, lambda: p.regLambda, alpha: p.regAlpha) * p.learningRate
                    tree.value[pending.node] = value
                    leaves.append((value, pending.rows))
                    continue
                }
                let f = split.feature
                let threshold = bins.cuts[f][split.bin]
                let (leftRows, rightRows) = Self.partition(pending.rows, bins: bins, split: split)
                let left = addNode()
                let right = addNode()
                tree.feature[pending.node] = Int32(f)
                tree.threshold[pending.node] = threshold
                tree.left[pending.node] = Int32(left)
                tree.right[pending.node] = Int32(right)
                tree.defaultLeft[pending.node] = split.defaultLeft
                gain[f] += split.lossChange
                // The subtraction trick: histogram the smaller child, derive the larger.
                let smallIsLeft = leftRows.count <= rightRows.count
                let small = Histogram.build(
                    bins, g, h, smallIsLeft ? leftRows : rightRows, features, threads: p.threads)
                let large = pending.histogram.subtracting(small)
                let (lg, lh) = (split.leftG, split.leftH)
                next.append(
                    Pending(
                        node: left, rows: leftRows, histogram: smallIsLeft ? small : large, g: lg, h: lh))
                next.append(
                    Pending(
                        node: right, rows: rightRows, histogram: smallIsLeft ? large : small, g: pending.g - lg,
                        h: pending.h - lh))
            }
            level = next
            depth += 1
        }
        return (tree, leaves)
    }

    /// A node's rows sent left and right by a split, in their order.
    static func partition(_ rows: [Int], bins: Bins, split: Split) -> ([Int], [Int]) {
        var left = [Int](repeating: 0, count: rows.count)
        var right = [Int](repeating: 0, count: rows.count)
        var l = 0
        var r = 0
        let f = split.feature
        let width = bins.features
        bins.codes.withUnsafeBufferPointer { codes in
            left.withUnsafeMutableBufferPointer { lp in
                right.withUnsafeMutableBufferPointer { rp in
                    for i in rows {
                        let code = codes[i * width + f]
                        let goLeft = code == Bins.missingBin ? split.defaultLeft : Int(code) <= split.bin
                        if goLeft {
                            lp[l] = i
                            l += 1
                        } else {
                            rp[r] = i
                            r += 1
                        }
                    }
                }
            }
        }
        left.removeLast(rows.count - l)
        right.removeLast(rows.count - r)
        return (left, right)
    }

    /// The best split of a node over the sampled features, or nil when none reduces the
    /// loss enough (XGBoost: by more than kRtEps and at least gamma) with both children
    /// heavy enough (min_child_weight). Missing values are tried on both sides.
    func bestSplit(_ histogram: Histogram, bins: Bins, features: [Int], g: Double, h: Double) -> Split? {
        let p = parameters
        var best = Split()
        for f in features {
            let count = bins.cuts[f].count + 1
            guard count > 1 else { continue }
            let base = histogram.offset(f)
            var presentG = 0.0
            var presentH = 0.0
            for b in 0..<count {
                presentG += histogram.g[base + b]
                presentH += histogram.h[base + b]
            }
            let missingG = g - presentG
            let missingH = h - presentH
            let hasMissing = missingH > 0
            for defaultLeft in hasMissing ? [false, true] : [false] {
                var gl = defaultLeft ? missingG : 0
                var hl = defaultLeft ? missingH : 0
                for b in 0..<(count - 1) {
                    gl += histogram.g[base + b]
                    hl += histogram.h[base + b]
                    let hr = h - hl
                    guard hl >= p.minChildWeight, hr >= p.minChildWeight else { continue }
                    let change = SplitGain.lossChange(
                        left: gl, hl, node: g, h, lambda: p.regLambda, alpha: p.regAlpha)
                    if change > best.lossChange {
                        best = Split(feature: f, bin: b, defaultLeft: defaultLeft, lossChange: change, leftG: gl, leftH: hl)
                    }
                }
            }
        }
        guard best.feature >= 0, best.lossChange > Self.minimumLossChange, best.lossChange >= p.gamma else {
            return nil
        }
        return best
    }
}

/// Gradient and hessian sums per feature and bin for one node's rows.
struct Histogram: Sendable {
    var g: [Double]
    var h: [Double]
    let offsets: [Int]

    func offset(_ feature: Int) -> Int { offsets[feature] }

    /// Built row by row (a row's bins side by side, so consecutive updates hit different
    /// cells), the rows cut into `threads` blocks with a histogram each, added in block
    /// order: the same result for the same thread count.
    static func build(
        _ bins: GradientBoosting.Bins, _ g: [Double], _ h: [Double], _ rows: [Int], _ features: [Int], threads: Int
    ) -> Histogram {
        var offsets: [Int] = []
        var total = 0
        for f in 0..<bins.cuts.count {
            offsets.append(total)
            total += bins.cuts[f].count + 1
        }
        let blocks = rows.count < 4_096 ? 1 : max(1, threads)
        let allFeatures = features.count == bins.features
        let partials = Partials(count: blocks)
        let cellOffsets = offsets
        let cells = total
        let width = bins.features
        bins.codes.withUnsafeBufferPointer { codes in
            g.withUnsafeBufferPointer { gp in
                h.withUnsafeBufferPointer { hp in
                    rows.withUnsafeBufferPointer { rp in
                        let shared = Inputs(
                            codes: codes.baseAddress!, g: gp.baseAddress!, h: hp.baseAddress!, rows: rp.baseAddress!)
                        let count = rp.count
                        DispatchQueue.concurrentPerform(iterations: blocks) { block in
                            var sums = [Double](repeating: 0, count: 2 * cells)
                            sums.withUnsafeMutableBufferPointer { out in
                                for r in (count * block / blocks)..<(count * (block + 1) / blocks) {
                                    let i = shared.rows[r]
                                    let gi = shared.g[i]
                                    let hi = shared.h[i]
                                    let row = shared.codes + i * width
                                    if allFeatures {
                                        for f in 0..<width {
                                            let code = row[f]
                                            if code == GradientBoosting.Bins.missingBin { continue }
                                            let k = 2 * (cellOffsets[f] + Int(code))
                                            out[k] += gi
                                            out[k + 1] += hi
                                        }
                                    } else {
                                        for f in features {
                                            let code = row[f]
                                            if code == GradientBoosting.Bins.missingBin { continue }
                                            let k = 2 * (cellOffsets[f] + Int(code))
                                            out[k] += gi
                                            out[k + 1] += hi
                                        }
                                    }
                                }
                            }
                            partials.set(block, sums)
                        }
                    }
                }
            }
        }
        var sumG = [Double](repeating: 0, count: total)
        var sumH = [Double](repeating: 0, count: total)
        for partial in partials.all {
            for k in 0..<total {
                sumG[k] += partial[2 * k]
                sumH[k] += partial[2 * k + 1]
            }
        }
        return Histogram(g: sumG, h: sumH, offsets: offsets)
    }

    func subtracting(_ other: Histogram) -> Histogram {
        var result = self
        for k in 0..<g.count {
            result.g[k] -= other.g[k]
            result.h[k] -= other.h[k]
        }
        return result
    }
}

/// The blocks' histograms, each written once by its block (under the lock).
private final class Partials: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [[Double]]

    init(count: Int) {
        items = [[Double]](repeating: [], count: count)
    }

    func set(_ index: Int, _ value: [Double]) {
        lock.lock()
        items[index] = value
        lock.unlock()
    }

    var all: [[Double]] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }
}

/// What one histogram build reads, handed to its worker blocks: read only, so safe to share.
private struct Inputs: @unchecked Sendable {
    let codes: UnsafePointer<UInt16>
    let g: UnsafePointer<Double>
    let h: UnsafePointer<Double>
    let rows: UnsafePointer<Int>
}
