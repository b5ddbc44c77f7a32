/// Grows one regression tree on the rows' gradients, level by level as XGBoost's `depthwise`
/// policy does: the best split of every open node, one partition pass for the level, then
/// the histograms of the smaller children only (the larger ones are their parent's less
/// their sibling's), none for children that can only be leaves.
struct TreeGrower {
    let parameters: GradientBoosting.Parameters
    let bins: FeatureBins
    /// The features this tree may split on, ascending.
    let features: [Int]

    /// A node's split: feature, the bin it splits after, where missing values go, its gain
    /// and the left child's sums.
    struct Split {
        var feature = -1
        var bin = 0
        var defaultLeft = false
        var lossChange = 0.0
        var leftG = 0.0
        var leftH = 0.0
    }

    struct Grown {
        var tree = TreeEnsemble.Tree()
        /// Each leaf's value (learning rate applied) and its rows' range in the partition.
        var leaves: [(value: Double, rows: Range<Int>)] = []
        /// Loss reduction by feature, summed over this tree's splits.
        var gain: [Double]
    }

    /// XGBoost's kRtEps: a split must reduce the loss by more than this.
    static let minimumLossChange = 1e-6

    private struct Open {
        var node: Int
        var rows: Range<Int>
        var histogram: GradientHistogram?
        var g: Double
        var h: Double
    }

    /// `gradients`: row i's gradient at 2i, its hessian at 2i + 1.
    func grow(_ partition: inout RowPartition, gradients: UnsafeBufferPointer<Double>) -> Grown {
        let p = parameters
        var grown = Grown(gain: [Double](repeating: 0, count: bins.features))
        let firstCells = features.map { bins.offsets[$0] }
        func addNode() -> Int {
            grown.tree.feature.append(-1)
            grown.tree.threshold.append(0)
            grown.tree.left.append(-1)
            grown.tree.right.append(-1)
            grown.tree.defaultLeft.append(false)
            grown.tree.value.append(0)
            return grown.tree.value.count - 1
        }
        func histograms(_ ranges: [Range<Int>]) -> [GradientHistogram] {
            partition.rows.withUnsafeBufferPointer { rows in
                features.withUnsafeBufferPointer { features in
                    firstCells.withUnsafeBufferPointer { cells in
                        let inputs = HistogramInputs(
                            gradients: gradients.baseAddress!, rows: rows.baseAddress!, features: features,
                            firstCells: cells.baseAddress!)
                        return bins.histograms(ranges, inputs, threads: p.threads)
                    }
                }
            }
        }
        var rootG = 0.0
        var rootH = 0.0
        for i in partition.rows {
            rootG += gradients[2 * Int(i)]
            rootH += gradients[2 * Int(i) + 1]
        }
        let all = 0..<partition.count
        var level = [
            Open(node: addNode(), rows: all, histogram: p.maxDepth > 0 ? histograms([all])[0] : nil, g: rootG, h: rootH)
        ]
        var depth = 0
        while !level.isEmpty {
            var splitting: [(open: Open, split: Split)] = []
            for open in level {
                if depth < p.maxDepth, let histogram = open.histogram,
                    let split = bestSplit(histogram, g: open.g, h: open.h)
                {
                    splitting.append((open, split))
                } else {
                    let value = SplitGain.weight(open.g, open.h, lambda: p.regLambda, alpha: p.regAlpha) * p.learningRate
                    grown.tree.value[open.node] = value
                    grown.leaves.append((value, open.rows))
                }
            }
            if splitting.isEmpty { break }
            let lefts = partition.split(
                splitting.map {
                    RowPartition.Cut(
                        range: $0.open.rows, feature: $0.split.feature, bin: $0.split.bin,
                        defaultLeft: $0.split.defaultLeft)
                }, bins: bins, threads: p.threads)
            let childrenSplit = depth + 1 < p.maxDepth
            var smaller: [Range<Int>] = []
            var children: [(left: Range<Int>, right: Range<Int>)] = []
            for (k, (open, _)) in splitting.enumerated() {
                let middle = open.rows.lowerBound + lefts[k]
                let left = open.rows.lowerBound..<middle
                let right = middle..<open.rows.upperBound
                children.append((left, right))
                smaller.append(left.count <= right.count ? left : right)
            }
            let small = childrenSplit ? histograms(smaller) : []
            var next: [Open] = []
            for (k, (open, split)) in splitting.enumerated() {
                let f = split.feature
                let left = addNode()
                let right = addNode()
                grown.tree.feature[open.node] = Int32(f)
                grown.tree.threshold[open.node] = bins.cuts[f][split.bin]
                grown.tree.left[open.node] = Int32(left)
                grown.tree.right[open.node] = Int32(right)
                grown.tree.defaultLeft[open.node] = split.defaultLeft
                grown.gain[f] += split.lossChange
                var leftHistogram: GradientHistogram?
                var rightHistogram: GradientHistogram?
                if childrenSplit, let parent = open.histogram {
                    // The subtraction trick: the smaller child was built, the larger is derived.
                    let smallIsLeft = children[k].left.count <= children[k].right.count
                    let large = parent.subtracting(small[k])
                    leftHistogram = smallIsLeft ? small[k] : large
                    rightHistogram = smallIsLeft ? large : small[k]
                }
                next.append(
                    Open(node: left, rows: children[k].left, histogram: leftHistogram, g: split.leftG, h: split.leftH))
                next.append(
                    Open(
                        node: right, rows: children[k].right, histogram: rightHistogram, g: open.g - split.leftG,
                        h: open.h - split.leftH))
            }
            level = next
            depth += 1
        }
        return grown
    }

    /// The best split of a node over the sampled features, or nil when none reduces the
    /// loss enough (XGBoost: by more than kRtEps and at least gamma) with both children
    /// heavy enough (min_child_weight). A feature with missing values in the node is tried
    /// with them on either side.
    func bestSplit(_ histogram: GradientHistogram, g: Double, h: Double) -> Split? {
        let p = parameters
        var best = Split()
        histogram.sums.withUnsafeBufferPointer { sums in
            for f in features {
                let count = bins.binCount(f)
                guard count > 1 else { continue }
                let base = 2 * bins.offsets[f]
                var presentG = 0.0
                var presentH = 0.0
                for b in 0..<count {
                    presentG += sums[base + 2 * b]
                    presentH += sums[base + 2 * b + 1]
                }
                let missingG = g - presentG
                let missingH = h - presentH
                let hasMissing = sums[base + 2 * count + 1] > 0
                for side in 0..<(hasMissing ? 2 : 1) {
                    let defaultLeft = side == 1
                    var gl = defaultLeft ? missingG : 0
                    var hl = defaultLeft ? missingH : 0
                    for b in 0..<(count - 1) {
                        gl += sums[base + 2 * b]
                        hl += sums[base + 2 * b + 1]
                        let hr = h - hl
                        guard hl >= p.minChildWeight, hr >= p.minChildWeight else { continue }
                        let change = SplitGain.lossChange(
                            left: gl, hl, node: g, h, lambda: p.regLambda, alpha: p.regAlpha)
                        if change > best.lossChange {
                            best = Split(
                                feature: f, bin: b, defaultLeft: defaultLeft, lossChange: change, leftG: gl, leftH: hl)
                        }
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
