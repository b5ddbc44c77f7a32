import Foundation

/// How far served traffic has moved from the training rows, per feature: the population
/// stability index over the training profile's bins (empty bins floored at 0.0001, as
/// Evidently does), and for numeric features the Kolmogorov-Smirnov statistic from the two
/// quantile sketches; with the conventional reading of PSI.
public struct FeatureDrift: Sendable, Equatable, Codable {
    public var feature: String
    public var kind: String
    public var psi: Double
    /// Numeric features only.
    public var ks: Double?
    public var flag: Flag
    public var trainingMissingRate: Double
    public var servedMissingRate: Double
    /// Categorical: share of served rows with a level training did not keep.
    public var unknownRate: Double?
    public var servedRows: Int

    public enum Flag: String, Sendable, Codable {
        /// PSI below 0.1.
        case stable
        /// 0.1 to 0.25.
        case moderate
        /// Above 0.25.
        case major
        /// No served rows to compare.
        case noData = "no_data"

        init(psi: Double) {
            self = psi < 0.1 ? .stable : psi <= 0.25 ? .moderate : .major
        }
    }

    enum CodingKeys: String, CodingKey {
        case feature, kind, psi, ks, flag, trainingMissingRate = "training_missing_rate"
        case servedMissingRate = "served_missing_rate", unknownRate = "unknown_rate", servedRows = "served_rows"
    }

    static let floor = 0.0001

    /// PSI of two count vectors over the same bins.
    public static func psi(expected: [Int], actual: [Int]) -> Double {
        let e = Double(expected.reduce(0, +))
        let a = Double(actual.reduce(0, +))
        guard e > 0, a > 0 else { return 0 }
        var total = 0.0
        for (x, y) in zip(expected, actual) {
            let p = max(Double(x) / e, floor)
            let q = max(Double(y) / a, floor)
            total += (q - p) * log(q / p)
        }
        return total
    }

    /// sup |F(x) - G(x)| over the points of two sorted samples (or quantile sketches).
    public static func ks(_ a: [Double], _ b: [Double]) -> Double? {
        guard !a.isEmpty, !b.isEmpty else { return nil }
        var i = 0
        var j = 0
        var worst = 0.0
        while i < a.count && j < b.count {
            let x = min(a[i], b[j])
            while i < a.count && a[i] <= x { i += 1 }
            while j < b.count && b[j] <= x { j += 1 }
            worst = max(worst, abs(Double(i) / Double(a.count) - Double(j) / Double(b.count)))
        }
        return worst
    }

    /// Each feature of `training` against `served` (profiled on training's edges and levels).
    public static func compare(training: FeatureProfile, served: FeatureProfile) -> [FeatureDrift] {
        var out: [FeatureDrift] = []
        for name in training.numeric.keys.sorted() {
            let reference = training.numeric[name]!
            let now = served.numeric[name]
            let servedPresent = now?.counts.reduce(0, +) ?? 0
            let psi = psi(expected: reference.counts, actual: now?.counts ?? [])
            out.append(
                FeatureDrift(
                    feature: name, kind: "numeric", psi: psi, ks: ks(reference.quantiles, now?.quantiles ?? []),
                    flag: servedPresent == 0 ? .noData : Flag(psi: psi),
                    trainingMissingRate: rate(reference.missing, training.rows),
                    servedMissingRate: rate(now?.missing ?? 0, served.rows), unknownRate: nil, servedRows: served.rows))
        }
        for name in training.categorical.keys.sorted() {
            let reference = training.categorical[name]!
            let now = served.categorical[name] ?? FeatureProfile.Categorical(counts: [:], other: 0, missing: 0)
            let levels = reference.counts.keys.sorted()
            // The training levels, then everything else (pooled and unseen) as one bin.
            let expected = levels.map { reference.counts[$0]! } + [reference.other]
            let unknown = now.counts.filter { reference.counts[$0.key] == nil }.values.reduce(0, +) + now.other
            let actual = levels.map { now.counts[$0] ?? 0 } + [unknown]
            let present = actual.reduce(0, +)
            let psi = psi(expected: expected, actual: actual)
            out.append(
                FeatureDrift(
                    feature: name, kind: "categorical", psi: psi, ks: nil,
                    flag: present == 0 ? .noData : Flag(psi: psi),
                    trainingMissingRate: rate(reference.missing, training.rows),
                    servedMissingRate: rate(now.missing, served.rows), unknownRate: rate(unknown, present),
                    servedRows: served.rows))
        }
        return out
    }

    static func rate(_ part: Int, _ whole: Int) -> Double { whole > 0 ? Double(part) / Double(whole) : 0 }
}
