/// An ensemble's trees laid out for serving: every node of every tree in one array of
/// small structs, so a walk reads one node per level (feature, children, threshold and the
/// missing-value side together) instead of indexing six arrays of a `Tree` per level.
/// Built once per ensemble from its `Tree`s, which stay the stored form; the walk makes the
/// same comparisons in the same order, so predictions are the same bits.
struct TreeForest: Sendable, Equatable {
    struct Node: Sendable, Equatable {
        /// -1 for a leaf; else the left child's index in `nodes`.
        var left: Int32
        var right: Int32
        var feature: Int32
        /// -1, or which of `categorySets` this categorical node sends right.
        var categorySet: Int32
        /// An inner node's threshold, or a leaf's value.
        var split: Double
        var defaultLeft: Bool
    }

    private let nodes: [Node]
    /// Where each tree's root is in `nodes`, in the ensemble's order.
    private let roots: [Int32]
    private let categorySets: [[Int32]]

    init(_ trees: [TreeEnsemble.Tree]) {
        var nodes: [Node] = []
        var roots: [Int32] = []
        var categorySets: [[Int32]] = []
        nodes.reserveCapacity(trees.reduce(0) { $0 + $1.nodeCount })
        for tree in trees where tree.nodeCount > 0 {
            let base = Int32(nodes.count)
            let sets = Int32(categorySets.count)
            roots.append(base)
            categorySets += tree.categorySets
            for n in 0..<tree.nodeCount {
                let leaf = tree.left[n] < 0
                nodes.append(
                    Node(
                        left: leaf ? -1 : base + tree.left[n], right: leaf ? -1 : base + tree.right[n],
                        feature: tree.feature[n],
                        categorySet: tree.categorySet[n] < 0 ? -1 : sets + tree.categorySet[n],
                        split: leaf ? tree.value[n] : tree.threshold[n], defaultLeft: tree.defaultLeft[n]))
            }
        }
        self.nodes = nodes
        self.roots = roots
        self.categorySets = categorySets
    }

    /// `start` plus every tree's leaf value for one encoded row, added in tree order.
    func margin(_ x: UnsafeBufferPointer<Double>, from start: Double) -> Double {
        var margin = start
        nodes.withUnsafeBufferPointer { nodes in
            for root in roots {
                var node = nodes[Int(root)]
                while node.left >= 0 {
                    let v = x[Int(node.feature)]
                    let goLeft: Bool
                    if v.isNaN {
                        goLeft = node.defaultLeft
                    } else if node.categorySet >= 0 {
                        // As `Tree.leaf`: the listed codes go right, every other code left.
                        let code = v >= 0 && v < 2e9 ? Int32(v) : -1
                        goLeft = !categorySets[Int(node.categorySet)].contains(code)
                    } else {
                        goLeft = v < node.split
                    }
                    node = nodes[Int(goLeft ? node.left : node.right)]
                }
                margin += node.split
            }
        }
        return margin
    }
}
