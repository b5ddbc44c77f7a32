/// A small, fast, seeded generator (SplitMix64) so that splits and folds are the same on
/// every machine and every run for a given seed.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Row indices for holding data out: a seeded train/test split (stratified by class on
/// request) and k-fold cross-validation.
public enum Splits {
    /// Shuffles rows with `seed` and holds out `testFraction` of them; with `stratifyBy`,
    /// each class keeps its share in both parts. Indices come back sorted.
    public static func trainTest(count: Int, testFraction: Double, seed: UInt64, stratifyBy labels: [Double]? = nil)
        -> (train: [Int], test: [Int])
    {
        precondition((0..<1).contains(testFraction))
        var generator = SeededGenerator(seed: seed)
        var train: [Int] = []
        var test: [Int] = []
        for group in groups(count: count, labels: labels) {
            var shuffled = group
            shuffled.shuffle(using: &generator)
            let held = Int((Double(shuffled.count) * testFraction).rounded())
            test += shuffled.prefix(held)
            train += shuffled.dropFirst(held)
        }
        return (train.sorted(), test.sorted())
    }

    /// k folds over shuffled rows (stratified on request); each row is tested exactly once.
    public static func kFold(count: Int, folds k: Int, seed: UInt64, stratifyBy labels: [Double]? = nil)
        -> [(train: [Int], test: [Int])]
    {
        precondition(k >= 2 && k <= count, "need 2 <= folds <= rows")
        var generator = SeededGenerator(seed: seed)
        var assignment = [Int](repeating: 0, count: count)
        var offset = 0
        for group in groups(count: count, labels: labels) {
            var shuffled = group
            shuffled.shuffle(using: &generator)
            // Deal rows round-robin, continuing across classes so fold sizes stay balanced.
            for (position, row) in shuffled.enumerated() { assignment[row] = (position + offset) % k }
            offset += shuffled.count
        }
        return (0..<k).map { fold in
            (
                train: (0..<count).filter { assignment[$0] != fold },
                test: (0..<count).filter { assignment[$0] == fold }
            )
        }
    }

    private static func groups(count: Int, labels: [Double]?) -> [[Int]] {
        guard let labels else { return [Array(0..<count)] }
        var byLabel: [Double: [Int]] = [:]
        for i in 0..<count { byLabel[labels[i], default: []].append(i) }
        return byLabel.keys.sorted().map { byLabel[$0]! }
    }
}

/// Cross-validated scores for a list of settings: the grid search helper.
public enum GridSearch {
    public struct Result<Setting: Sendable>: Sendable {
        public let setting: Setting
        public let foldScores: [Double]
        public var mean: Double { foldScores.reduce(0, +) / Double(foldScores.count) }
        public var standardDeviation: Double {
            let m = mean
            return (foldScores.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(foldScores.count)).squareRoot()
        }
    }

    /// Scores every setting on every fold with `score(setting, train, test)`; the folds are
    /// the same for all settings, so the comparison is fair.
    public static func evaluate<Setting: Sendable>(
        _ settings: [Setting], folds: [(train: [Int], test: [Int])],
        score: (Setting, _ train: [Int], _ test: [Int]) throws -> Double
    ) rethrows -> [Result<Setting>] {
        try settings.map { setting in
            Result(setting: setting, foldScores: try folds.map { try score(setting, $0.train, $0.test) })
        }
    }
}
