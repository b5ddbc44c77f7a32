import Foundation

/// What a set of rows looks like, feature by feature, in a fixed small size: for a numeric
/// feature its decile edges and the count in each bin, a sketch of its distribution (1,001
/// evenly spaced quantiles) and its missing count; for a categorical one its level counts
/// (the most frequent 100, the rest pooled) and missing count. A version keeps the profile of
/// its training rows; served traffic is profiled against the same edges, so the two compare
/// bin by bin (drift).
public struct FeatureProfile: Sendable, Equatable, Codable {
    public var rows: Int
    public var numeric: [String: Numeric]
    public var categorical: [String: Categorical]

    public struct Numeric: Sendable, Equatable, Codable {
        /// Inner bin edges (training deciles, duplicates removed): bin i holds values in
        /// (edges[i-1], edges[i]]; the first bin everything up to edges[0], the last above.
        public var edges: [Double]
        public var counts: [Int]
        public var missing: Int
        /// Evenly spaced quantiles of the present values (for the KS statistic).
        public var quantiles: [Double]
        public var mean: Double?
    }

    public struct Categorical: Sendable, Equatable, Codable {
        public var counts: [String: Int]
        /// Rows of levels beyond the kept ones.
        public var other: Int
        public var missing: Int
    }

    static let quantileCount = 1001
    static let levelLimit = 100

    /// The profile of training rows: deciles become the edges. Its figures come from the
    /// data profile's column accumulators (`ColumnAccumulator`: the same quantile sketch and
    /// level counts that `modelserve profile` reports), fed with the training split's rows.
    public static func training(_ data: TrainingData, schema: FeatureSchema) -> FeatureProfile {
        var numeric: [String: Numeric] = [:]
        for name in schema.numeric {
            guard let column = data.numeric[name] else { continue }
            var accumulator = ColumnAccumulator(name: name)
            for i in 0..<data.count { accumulator.add(column.missing(i) ? .missing : .real(column.values[i])) }
            numeric[name] = Numeric(accumulator.sketch, rows: data.count, mean: accumulator.mean)
        }
        var categorical: [String: Categorical] = [:]
        for name in schema.categorical {
            guard let column = data.categorical[name] else { continue }
            var accumulator = ColumnAccumulator(name: name)
            for value in column { accumulator.add(value.map(ProfileCell.text) ?? .missing) }
            categorical[name] = levels(
                accumulator.levels, pooled: accumulator.pooledLevelRows, missing: accumulator.nulls)
        }
        return FeatureProfile(rows: data.count, numeric: numeric, categorical: categorical)
    }

    /// Served rows profiled on this (training) profile's edges and levels. `values` holds
    /// each feature's values as sent (`.missing` for null or absent).
    public func served(_ values: [String: [FeatureValue]], rows: Int) -> FeatureProfile {
        var numeric: [String: Numeric] = [:]
        for (name, reference) in self.numeric {
            let column = values[name] ?? []
            var present: [Double] = []
            for value in column {
                if case .number(let v) = value, v.isFinite { present.append(v) }
            }
            present.sort()
            numeric[name] = Numeric(
                edges: reference.edges, counts: Self.counts(present, edges: reference.edges),
                missing: column.count - present.count, quantiles: Self.sketch(present),
                mean: present.isEmpty ? nil : present.reduce(0, +) / Double(present.count))
        }
        var categorical: [String: Categorical] = [:]
        for (name, _) in self.categorical {
            let column = (values[name] ?? []).map { value -> String? in
                switch value {
                case .text(let s): s
                case .number(let v): formatValue(v)
                case .missing: nil
                }
            }
            categorical[name] = Self.levels(column)
        }
        return FeatureProfile(rows: rows, numeric: numeric, categorical: categorical)
    }

    /// Linear interpolation between closest ranks (numpy's default), as the data profile's.
    static func quantile(_ sorted: [Double], _ q: Double) -> Double { QuantileSketch.interpolated(sorted, q) }

    static func sketch(_ sorted: [Double]) -> [Double] {
        guard !sorted.isEmpty else { return [] }
        guard sorted.count > quantileCount else { return sorted }
        return (0..<quantileCount).map { quantile(sorted, Double($0) / Double(quantileCount - 1)) }
    }

    static func counts(_ sorted: [Double], edges: [Double]) -> [Int] {
        var counts = [Int](repeating: 0, count: edges.count + 1)
        var bin = 0
        for value in sorted {
            while bin < edges.count && value > edges[bin] { bin += 1 }
            counts[bin] += 1
        }
        return counts
    }

    static func levels(_ column: [String?]) -> Categorical {
        var all: [String: Int] = [:]
        var missing = 0
        for value in column {
            if let value { all[value, default: 0] += 1 } else { missing += 1 }
        }
        return levels(all, pooled: 0, missing: missing)
    }

    /// The most frequent `levelLimit` levels; the rest (and `pooled` rows of levels not
    /// counted one by one) as other.
    static func levels(_ all: [String: Int], pooled: Int, missing: Int) -> Categorical {
        let kept = all.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }.prefix(levelLimit)
        let counts = Dictionary(uniqueKeysWithValues: kept.map { ($0.key, $0.value) })
        return Categorical(
            counts: counts, other: all.values.reduce(0, +) + pooled - counts.values.reduce(0, +), missing: missing)
    }
}

extension FeatureProfile.Numeric {
    /// Training's reference for a feature: decile edges, the counts between them and the
    /// quantile sketch, from the column's quantile sketch (exact while it keeps every value).
    init(_ sketch: QuantileSketch, rows: Int, mean: Double) {
        let present = sketch.count
        if let sorted = sketch.sortedValues {
            var edges: [Double] = []
            if !sorted.isEmpty {
                for k in 1...9 {
                    let edge = FeatureProfile.quantile(sorted, Double(k) / 10)
                    if edges.last != edge { edges.append(edge) }
                }
            }
            self.init(
                edges: edges, counts: FeatureProfile.counts(sorted, edges: edges), missing: rows - present,
                quantiles: FeatureProfile.sketch(sorted), mean: sorted.isEmpty ? nil : mean)
            return
        }
        var edges: [Double] = []
        for edge in sketch.quantiles((1...9).map { Double($0) / 10 }) where edges.last != edge { edges.append(edge) }
        var counts: [Int] = []
        var below = 0
        for edge in edges {
            let atMost = sketch.countAtMost(edge)
            counts.append(atMost - below)
            below = atMost
        }
        counts.append(present - below)
        self.init(
            edges: edges, counts: counts, missing: rows - present,
            quantiles: sketch.quantiles(
                (0..<FeatureProfile.quantileCount).map {
                    Double($0) / Double(FeatureProfile.quantileCount - 1)
                }), mean: mean)
    }
}
