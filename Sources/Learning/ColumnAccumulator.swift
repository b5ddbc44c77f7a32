import Foundation

/// One column's running figures while rows stream by, in memory bounded whatever the row
/// count: counts, Welford's mean and variance, min and max, a quantile sketch, a distinct
/// counter, text levels up to a cap, and the few smallest and largest distinct numbers with
/// their counts (what the sentinel rules look at).
struct ColumnAccumulator: Sendable {
    static let levelLimit = 10_000
    static let extremeCount = 8
    static let reportedQuantiles = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]
    static let histogramBins = 20

    let name: String
    var nulls = 0
    var texts = 0
    var numbers = 0
    var mean = 0.0
    var m2 = 0.0
    var minimum = Double.infinity
    var maximum = -Double.infinity
    var zeros = 0
    var negatives = 0
    var nonIntegral = 0
    var sketch = QuantileSketch()
    var distinct = DistinctCounter()
    var levels: [String: Int] = [:]
    var pooledLevelRows = 0
    /// Ascending: the smallest distinct numbers and how often each came.
    var lowest: [(value: Double, count: Int)] = []
    /// Descending: the largest.
    var highest: [(value: Double, count: Int)] = []

    init(name: String) { self.name = name }

    mutating func add(_ cell: ProfileCell) {
        if case .missing = cell {
            nulls += 1
            return
        }
        distinct.add(hash: cell.hashValue64)
        if case .text(let s) = cell {
            texts += 1
            if let n = levels[s] {
                levels[s] = n + 1
            } else if levels.count < Self.levelLimit {
                levels[s] = 1
            } else {
                pooledLevelRows += 1
            }
            return
        }
        let v = cell.number!
        // Non-finite numbers count as values but stay out of the moments and the sketch.
        numbers += 1
        guard v.isFinite else { return }
        let delta = v - mean
        mean += delta / Double(sketch.count + 1)
        m2 += delta * (v - mean)
        if v < minimum { minimum = v }
        if v > maximum { maximum = v }
        if v == 0 { zeros += 1 } else if v < 0 { negatives += 1 }
        if v != v.rounded() { nonIntegral += 1 }
        sketch.add(v)
        Self.track(v, in: &lowest, before: <)
        Self.track(v, in: &highest, before: >)
    }

    private static func track(
        _ v: Double, in list: inout [(value: Double, count: Int)], before: (Double, Double) -> Bool
    ) {
        if list.count == extremeCount, before(list[extremeCount - 1].value, v) { return }
        var i = 0
        while i < list.count, before(list[i].value, v) { i += 1 }
        if i < list.count, list[i].value == v {
            list[i].count += 1
            return
        }
        list.insert((v, 1), at: i)
        if list.count > extremeCount { list.removeLast() }
    }

    var type: DataProfile.ColumnType {
        switch (numbers > 0, texts > 0) {
        case (true, true): .mixed
        case (true, false): .number
        case (false, true): .text
        case (false, false): .empty
        }
    }

    func summary() -> DataProfile.Column {
        var column = DataProfile.Column(
            name: name, type: type, count: numbers + texts, nulls: nulls, distinct: distinct.count,
            distinctExact: distinct.isExact)
        if sketch.count > 0 {
            // Welford kept the moments of the finite values only.
            let n = sketch.count
            let quantiles = sketch.quantiles(Self.reportedQuantiles)
            let edges = Self.edges(minimum, maximum)
            column.numbers = DataProfile.Numbers(
                count: n, mean: mean, sd: n > 1 ? (m2 / Double(n - 1)).squareRoot() : nil, min: minimum,
                max: maximum,
                quantiles: zip(Self.reportedQuantiles, quantiles).map { DataProfile.Quantile(q: $0, value: $1) },
                rankError: sketch.rankError,
                histogram: DataProfile.Histogram(edges: edges, counts: sketch.histogram(edges: edges)),
                zeros: zeros, negatives: negatives, integral: nonIntegral == 0)
        }
        if texts > 0 {
            let sorted = levels.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
            let top = sorted.prefix(20).map { DataProfile.Level(value: $0.key, count: $0.value) }
            column.levels = DataProfile.Levels(
                top: top, otherRows: texts - top.reduce(0) { $0 + $1.count }, exact: pooledLevelRows == 0)
        }
        return column
    }

    /// numpy.histogram's edges: equal widths from min to max (a point mass gets ±0.5).
    static func edges(_ low: Double, _ high: Double) -> [Double] {
        var low = low
        var high = high
        if low == high {
            low -= 0.5
            high += 0.5
        }
        let width = (high - low) / Double(histogramBins)
        return (0...histogramBins).map { $0 == histogramBins ? high : low + Double($0) * width }
    }
}
