/// Quantiles of a stream in bounded memory: exact (every value kept) up to `exactLimit`
/// values, then a KLL sketch (Karnin, Lang and Liberty, 2016) of about 3k retained values,
/// whose rank error is at most `statedRankError` with 99% confidence. Two sketches merge, so
/// partial profiles combine.
public struct QuantileSketch: Sendable {
    /// Values kept exactly before the sketch takes over.
    public static let exactLimit = 65_536
    /// The accuracy parameter: level capacities start at k and shrink by 2/3 a level.
    static let k = 400
    /// What `rankError` promises once the sketch is in use: the fraction of the count by
    /// which a returned quantile's rank can be off (Apache DataSketches' bound for k = 400
    /// is 0.7%; stated with margin).
    public static let statedRankError = 0.01

    public private(set) var count = 0
    private var exact: [Double]? = []
    /// levels[h] holds values of weight 2^h.
    private var levels: [[Double]] = []
    private var generator = SeededGenerator(seed: 0x6b6c_6c5f_736b)
    /// `capacity(0)`, kept because every added value checks it.
    private var firstCapacity = 2

    public init() {}

    /// 0 while every value is kept; the stated bound once the sketch compacts.
    public var rankError: Double { exact == nil ? Self.statedRankError : 0 }

    /// Values the structure holds now: bounded by `exactLimit` and about 3k after.
    public var retained: Int { exact?.count ?? levels.reduce(0) { $0 + $1.count } }

    /// Adds a finite value (the caller filters NaN and infinities).
    public mutating func add(_ value: Double) {
        count += 1
        if exact != nil {
            exact!.append(value)
            if exact!.count > Self.exactLimit { startSketch() }
            return
        }
        levels[0].append(value)
        if levels[0].count >= firstCapacity { compress() }
    }

    public mutating func merge(_ other: QuantileSketch) {
        if let values = other.exact {
            for value in values { add(value) }
            return
        }
        if exact != nil { startSketch() }
        count += other.count
        while levels.count < other.levels.count { levels.append([]) }
        for (h, items) in other.levels.enumerated() { levels[h].append(contentsOf: items) }
        compress()
    }

    /// The q-quantile (0...1): exact values interpolate linearly between closest ranks (as
    /// numpy and pandas do); the sketch answers the retained value at rank q·count.
    public func quantile(_ q: Double) -> Double? {
        guard count > 0 else { return nil }
        if let exact { return Self.interpolated(exact.sorted(), q) }
        let weighted = sortedWeighted()
        let target = q * Double(count)
        var cumulative = 0.0
        for (value, weight) in weighted {
            cumulative += weight
            if cumulative >= target { return value }
        }
        return weighted.last?.0
    }

    /// Several quantiles from one sort.
    public func quantiles(_ qs: [Double]) -> [Double] {
        guard count > 0 else { return [] }
        if let exact {
            let sorted = exact.sorted()
            return qs.map { Self.interpolated(sorted, $0) }
        }
        return qs.map { quantile($0)! }
    }

    /// Every value, sorted, while the sketch keeps them all; nil once it compacts.
    public var sortedValues: [Double]? { exact?.sorted() }

    /// How many values are ≤ `value`: exact while exact, the retained weights after.
    public func countAtMost(_ value: Double) -> Int {
        if let exact { return exact.lazy.filter { $0 <= value }.count }
        var below = 0
        for (h, items) in levels.enumerated() { below += items.lazy.filter { $0 <= value }.count << h }
        return min(below, count)
    }

    /// Counts in `edges.count - 1` bins, each [edge, next edge) but the last, which is closed
    /// (numpy.histogram's rule); estimated from weights once the sketch is in use.
    public func histogram(edges: [Double]) -> [Int] {
        guard edges.count >= 2 else { return [] }
        var counts = [Double](repeating: 0, count: edges.count - 1)
        func place(_ value: Double, _ weight: Double) {
            guard value >= edges[0], value <= edges[edges.count - 1] else { return }
            var lo = 0
            var hi = edges.count - 1
            while hi - lo > 1 {
                let mid = (lo + hi) / 2
                if value >= edges[mid] { lo = mid } else { hi = mid }
            }
            counts[lo] += weight
        }
        if let exact {
            for value in exact { place(value, 1) }
        } else {
            for (h, items) in levels.enumerated() { for value in items { place(value, Double(1 << h)) } }
        }
        return counts.map { Int($0.rounded()) }
    }

    static func interpolated(_ sorted: [Double], _ q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let lower = Int(position)
        let upper = min(lower + 1, sorted.count - 1)
        let fraction = position - Double(lower)
        return fraction == 0 ? sorted[lower] : sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
    }

    private func sortedWeighted() -> [(Double, Double)] {
        var items: [(Double, Double)] = []
        for (h, values) in levels.enumerated() { for value in values { items.append((value, Double(1 << h))) } }
        items.sort { $0.0 < $1.0 }
        return items
    }

    private mutating func startSketch() {
        let values = exact ?? []
        exact = nil
        levels = [[]]
        firstCapacity = capacity(0)
        for value in values {
            levels[0].append(value)
            if levels[0].count >= firstCapacity { compress() }
        }
    }

    private func capacity(_ level: Int) -> Int {
        let depth = levels.count - 1 - level
        var c = Double(Self.k)
        for _ in 0..<depth { c *= 2.0 / 3 }
        return max(2, Int(c.rounded(.up)))
    }

    /// Halves the lowest full level into the next, keeping the odd or even items at random,
    /// until every level fits its capacity.
    private mutating func compress() {
        var h = 0
        while h < levels.count {
            if levels[h].count >= capacity(h) {
                if h + 1 == levels.count { levels.append([]) }
                levels[h].sort()
                var items = levels[h]
                var leftover: [Double] = []
                if items.count % 2 == 1 { leftover = [items.removeLast()] }
                let offset = Int(generator.next() & 1)
                var promoted: [Double] = []
                promoted.reserveCapacity(items.count / 2)
                var i = offset
                while i < items.count {
                    promoted.append(items[i])
                    i += 2
                }
                levels[h] = leftover
                levels[h + 1].append(contentsOf: promoted)
            }
            h += 1
        }
        firstCapacity = capacity(0)
    }
}
