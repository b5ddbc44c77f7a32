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
        /// A categorical split: the codes sent right (the rest, and unseen codes, go left).
        var rightCodes: [Int]?
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
            grown.tree.categorySet.append(-1)
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
                    let value =
                        SplitGain.weight(open.g, open.h, lambda: p.regLambda, alpha: p.regAlpha) * p.learningRate
                    grown.tree.value[open.node] = value
                    grown.leaves.append((value, open.rows))
                }
            }
            if splitting.isEmpty { break }
            let lefts = partition.split(
                splitting.map { open, split in
                    RowPartition.Cut(
                        range: open.rows, feature: split.feature, bin: split.bin, defaultLeft: split.defaultLeft,
                        goesRight: split.rightCodes.map { codes in
                            var right = [Bool](repeating: false, count: bins.binCount(split.feature))
                            for c in codes { right[c] = true }
                            return right
                        })
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
                if let codes = split.rightCodes {
                    grown.tree.setCategories(open.node, codes.sorted().map(Int32.init))
                } else {
                    grown.tree.threshold[open.node] = bins.threshold(f, after: split.bin)
                }
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
    /// with them on either side. Gains are compared in single precision, as XGBoost does.
    func bestSplit(_ histogram: GradientHistogram, g: Double, h: Double) -> Split? {
        let p = parameters
        var best = Split()
        histogram.sums.withUnsafeBufferPointer { sums in
            for f in features {
                let count = bins.binCount(f)
                guard count > 1 else { continue }
                if bins.isCategorical(f) {
                    categoricalSplit(f, count, sums, g: g, h: h, best: &best)
                    continue
                }
                let base = 2 * bins.offsets[f]
                let hasMissing = sums[base + 2 * count + 1] > 0
                func consider(_ b: Int, left gl: Double, _ hl: Double, defaultLeft: Bool) {
                    guard hl >= p.minChildWeight, h - hl >= p.minChildWeight else { return }
                    let change = Double(
                        SplitGain.singlePrecisionLossChange(
                            left: gl, hl, node: g, h, lambda: p.regLambda, alpha: p.regAlpha))
                    if change > best.lossChange {
                        best = Split(
                            feature: f, bin: b, defaultLeft: defaultLeft, lossChange: change, leftG: gl, leftH: hl)
                    }
                }
                // XGBoost's two scans, in its order (ties keep the first): upwards with missing
                // values right, the last candidate every present value left; then, if the node
                // has missing values, downwards with them left, the last every present value right.
                var gl = 0.0
                var hl = 0.0
                for b in 0..<(hasMissing ? count : count - 1) {
                    gl += sums[base + 2 * b]
                    hl += sums[base + 2 * b + 1]
                    consider(b, left: gl, hl, defaultLeft: false)
                }
                guard hasMissing else { continue }
                var gr = 0.0
                var hr = 0.0
                for b in stride(from: count - 2, through: -1, by: -1) {
                    gr += sums[base + 2 * (b + 1)]
                    hr += sums[base + 2 * (b + 1) + 1]
                    consider(b, left: g - gr, h - hr, defaultLeft: true)
                }
            }
        }
        guard best.feature >= 0, best.lossChange > Self.minimumLossChange, best.lossChange >= p.gamma else {
            return nil
        }
        return best
    }

    /// The best split of a categorical feature, as XGBoost's `EnumerateOneHot` and
    /// `EnumeratePart` find it: below `max_cat_to_onehot` levels, one level against the rest,
    /// missing values tried on either side; otherwise the levels sorted by their leaf weight
    /// and every prefix sent right (missing left), then every suffix sent left (missing
    /// right), at most `max_cat_threshold` levels into either scan; both children must weigh
    /// `min_child_weight`, as for numeric splits.
    private func categoricalSplit(
        _ f: Int, _ count: Int, _ sums: UnsafeBufferPointer<Double>, g: Double, h: Double, best: inout Split
    ) {
        let p = parameters
        let base = 2 * bins.offsets[f]
        func bin(_ b: Int) -> (g: Double, h: Double) { (sums[base + 2 * b], sums[base + 2 * b + 1]) }
        let parent = SplitGain.singlePrecisionScore(g, h, lambda: p.regLambda, alpha: p.regAlpha)
        var presentG = 0.0
        var presentH = 0.0
        for b in 0..<count {
            presentG += bin(b).g
            presentH += bin(b).h
        }
        let missing = (g: g - presentG, h: h - presentH)
        func consider(right: (g: Double, h: Double), defaultLeft: Bool, codes: () -> [Int]) {
            let left = (g: g - right.g, h: h - right.h)
            guard left.h >= p.minChildWeight, right.h >= p.minChildWeight else { return }
            // In single precision, as for numeric splits: a set found by both scans ties, and
            // the first (missing left) is kept, as in XGBoost.
            let change = Double(
                SplitGain.singlePrecisionScore(left.g, left.h, lambda: p.regLambda, alpha: p.regAlpha)
                    + SplitGain.singlePrecisionScore(right.g, right.h, lambda: p.regLambda, alpha: p.regAlpha)
                    - parent)
            if change > best.lossChange {
                best = Split(
                    feature: f, bin: 0, defaultLeft: defaultLeft, lossChange: change, leftG: left.g, leftH: left.h,
                    rightCodes: codes())
            }
        }
        if count < p.maxCategoriesToOneHot {
            for b in 0..<count {
                let one = bin(b)
                consider(right: one, defaultLeft: true) { [b] }
                consider(right: (one.g + missing.g, one.h + missing.h), defaultLeft: false) { [b] }
            }
            return
        }
        // Levels by their leaf weight (0 below min_child_weight), as floats, stably.
        let weight = (0..<count).map { b -> Float in
            let s = bin(b)
            guard s.h >= p.minChildWeight, s.h > 0 else { return 0 }
            return Float(SplitGain.weight(s.g, s.h, lambda: p.regLambda, alpha: p.regAlpha))
        }
        let sorted = (0..<count).sorted { (weight[$0], $0) < (weight[$1], $1) }
        let scans = min(p.maxCategoryThreshold, count) - 1
        var right = (g: 0.0, h: 0.0)
        for j in 0..<scans {
            let s = bin(sorted[j])
            right = (right.g + s.g, right.h + s.h)
            consider(right: right, defaultLeft: true) { Array(sorted[0...j]) }
        }
        var left = (g: 0.0, h: 0.0)
        for j in stride(from: count - 1, to: count - 1 - scans, by: -1) {
            let s = bin(sorted[j])
            left = (left.g + s.g, left.h + s.h)
            consider(right: (g - left.g, h - left.h), defaultLeft: false) { Array(sorted[0..<j]) }
        }
    }
}
