import Foundation

/// Boosted regression trees as flat parallel arrays: prediction walks integers and doubles,
/// no pointers, so one row costs a few hundred nanoseconds for a hundred depth-6 trees.
public struct TreeEnsemble: Estimator, Equatable {
    /// One tree. Node 0 is the root; a leaf has `left[n] == -1` and its value in `value[n]`
    /// (already scaled by the learning rate); an inner node sends x[feature] < threshold
    /// left, a missing (NaN) value to `defaultLeft`'s side. A categorical node (one whose
    /// `categorySet` is not -1) sends the level codes in `categorySets[categorySet[n]]` right
    /// and every other code left, unseen levels (-1) included, as XGBoost does.
    public struct Tree: Sendable, Equatable, Codable {
        public var feature: [Int32] = []
        public var threshold: [Double] = []
        public var left: [Int32] = []
        public var right: [Int32] = []
        public var defaultLeft: [Bool] = []
        public var value: [Double] = []
        /// Per node: -1, or which of `categorySets` a categorical node sends right.
        public var categorySet: [Int32] = []
        /// The code sets of the categorical nodes, each ascending.
        public var categorySets: [[Int32]] = []

        public init() {}

        enum CodingKeys: String, CodingKey {
            case feature, threshold, left, right, defaultLeft = "default_left", value
            case categorySet = "category_set", categorySets = "category_sets"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            feature = try c.decode([Int32].self, forKey: .feature)
            threshold = try c.decode([Double].self, forKey: .threshold)
            left = try c.decode([Int32].self, forKey: .left)
            right = try c.decode([Int32].self, forKey: .right)
            defaultLeft = try c.decode([Bool].self, forKey: .defaultLeft)
            value = try c.decode([Double].self, forKey: .value)
            categorySets = try c.decodeIfPresent([[Int32]].self, forKey: .categorySets) ?? []
            categorySet =
                try c.decodeIfPresent([Int32].self, forKey: .categorySet)
                ?? [Int32](repeating: -1, count: value.count)
        }

        /// Trees without categorical nodes are written as before categorical splits existed.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(feature, forKey: .feature)
            try c.encode(threshold, forKey: .threshold)
            try c.encode(left, forKey: .left)
            try c.encode(right, forKey: .right)
            try c.encode(defaultLeft, forKey: .defaultLeft)
            try c.encode(value, forKey: .value)
            if !categorySets.isEmpty {
                try c.encode(categorySet, forKey: .categorySet)
                try c.encode(categorySets, forKey: .categorySets)
            }
        }

        /// Makes `node` categorical, sending `codes` right.
        mutating func setCategories(_ node: Int, _ codes: [Int32]) {
            categorySet[node] = Int32(categorySets.count)
            categorySets.append(codes)
        }

        /// The leaf a row lands in.
        @inline(__always)
        func leaf(_ x: (Int) -> Double) -> Int {
            var node = 0
            let categorical = !categorySets.isEmpty
            while left[node] >= 0 {
                let v = x(Int(feature[node]))
                let goLeft: Bool
                if v.isNaN {
                    goLeft = defaultLeft[node]
                } else if categorical && categorySet[node] >= 0 {
                    let code = v >= 0 && v < 2e9 ? Int32(v) : -1
                    goLeft = !categorySets[Int(categorySet[node])].contains(code)
                } else {
                    goLeft = v < threshold[node]
                }
                node = Int(goLeft ? left[node] : right[node])
            }
            return node
        }

        public var nodeCount: Int { value.count }
    }

    public enum Objective: String, Sendable, Codable, CaseIterable {
        case squaredError = "reg:squarederror"
        case logistic = "binary:logistic"
    }

    public let objective: Objective
    /// The margin every prediction starts from (XGBoost's base_score, on the margin scale).
    public let baseMargin: Double
    public let trees: [Tree]
    /// Label 1 above this probability (logistic).
    public let threshold: Double
    /// Total split gain by encoded feature (XGBoost's `total_gain` importance).
    public let gain: [Double]
    /// Trees kept when early stopping cut the ensemble (all of them otherwise).
    public let bestIteration: Int?
    /// The trees as one node array, for predicting a row at a time (serving).
    let forest: TreeForest

    public init(
        objective: Objective, baseMargin: Double, trees: [Tree], threshold: Double, gain: [Double],
        bestIteration: Int?
    ) {
        self.objective = objective
        self.baseMargin = baseMargin
        self.trees = trees
        self.threshold = threshold
        self.gain = gain
        self.bestIteration = bestIteration
        forest = TreeForest(trees)
    }

    public func predict(encoded x: UnsafeBufferPointer<Double>) -> Prediction {
        prediction(forest.margin(x, from: baseMargin))
    }

    /// Rows a block at a time: the block copied out row by row, then every tree walked for
    /// all its rows while the tree is in cache (a row at a time would reread every tree and
    /// stride across the column-major design).
    public func predict(design: Matrix) -> [Prediction] {
        let n = design.rows
        let width = design.columns
        let blockRows = 128
        var margins = [Double](repeating: baseMargin, count: n)
        var block = [Double](repeating: 0, count: blockRows * max(1, width))
        design.values.withUnsafeBufferPointer { values in
            block.withUnsafeMutableBufferPointer { rows in
                var start = 0
                while start < n {
                    let count = min(blockRows, n - start)
                    for j in 0..<width {
                        for r in 0..<count { rows[r * width + j] = values[j * n + start + r] }
                    }
                    for tree in trees {
                        for r in 0..<count {
                            let row = r * width
                            margins[start + r] += tree.value[tree.leaf { rows[row + $0] }]
                        }
                    }
                    start += count
                }
            }
        }
        return margins.map(prediction)
    }

    func prediction(_ margin: Double) -> Prediction {
        Self.prediction(margin, objective, threshold: threshold)
    }

    /// What a margin means under an objective: the value, or a probability and its label.
    static func prediction(_ margin: Double, _ objective: Objective, threshold: Double) -> Prediction {
        switch objective {
        case .squaredError: return .regression(value: margin)
        case .logistic:
            let p = sigmoid(margin)
            return .classification(probability: p, label: p > threshold ? 1 : 0)
        }
    }

    /// Feature importance by total gain, largest first, normalised to sum to 1.
    public func importance(featureNames: [String]) -> [(name: String, gain: Double)] {
        let total = gain.reduce(0, +)
        return zip(featureNames, gain).filter { $0.1 > 0 }
            .map { (name: $0.0, gain: total > 0 ? $0.1 / total : 0) }
            .sorted { $0.gain > $1.gain }
    }

    enum CodingKeys: String, CodingKey {
        case objective, baseMargin = "base_margin", trees, gain, bestIteration = "best_iteration"
    }

    public func encode(to encoder: any Encoder, featureNames: [String]) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(objective, forKey: .objective)
        try container.encode(baseMargin, forKey: .baseMargin)
        try container.encode(trees, forKey: .trees)
        try container.encode(Dictionary(uniqueKeysWithValues: zip(featureNames, gain)), forKey: .gain)
        try container.encodeIfPresent(bestIteration, forKey: .bestIteration)
    }

    static func decode(from decoder: any Decoder, featureNames: [String], threshold: Double) throws -> TreeEnsemble {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let trees = try container.decode([Tree].self, forKey: .trees)
        for (t, tree) in trees.enumerated() {
            let n = tree.value.count
            guard n > 0,
                [
                    tree.feature.count, tree.threshold.count, tree.left.count, tree.right.count,
                    tree.defaultLeft.count, tree.categorySet.count,
                ].allSatisfy({ $0 == n })
            else { throw LearningError(.malformedArtifact, "tree \(t) has arrays of different lengths") }
            guard tree.categorySet.allSatisfy({ $0 >= -1 && Int($0) < tree.categorySets.count }) else {
                throw LearningError(.malformedArtifact, "tree \(t) names a category set it does not have")
            }
            for node in 0..<n where tree.left[node] >= 0 {
                // Children point forward, so a walk always ends at a leaf.
                guard Int(tree.left[node]) > node, Int(tree.left[node]) < n, Int(tree.right[node]) > node,
                    Int(tree.right[node]) < n, tree.feature[node] >= 0, Int(tree.feature[node]) < featureNames.count
                else { throw LearningError(.malformedArtifact, "tree \(t) node \(node) points outside the tree") }
            }
        }
        let byName = try container.decode([String: Double].self, forKey: .gain)
        return TreeEnsemble(
            objective: try container.decode(Objective.self, forKey: .objective),
            baseMargin: try container.decode(Double.self, forKey: .baseMargin), trees: trees, threshold: threshold,
            gain: featureNames.map { byName[$0] ?? 0 },
            bestIteration: try container.decodeIfPresent(Int.self, forKey: .bestIteration))
    }
}
