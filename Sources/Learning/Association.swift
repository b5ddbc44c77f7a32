import Foundation

/// Pairwise association figures over rows where both values are present (pandas' pairwise-
/// complete rule): Pearson's r, Spearman's ρ (Pearson on average ranks), Cramér's V (χ²
/// without continuity correction, as scipy's `association`) and the correlation ratio η.
public enum Association {
    /// nil with fewer than two pairs or a constant side.
    public static func pearson(_ x: [Double], _ y: [Double]) -> Double? {
        let n = x.count
        guard n >= 2 else { return nil }
        let mx = x.reduce(0, +) / Double(n)
        let my = y.reduce(0, +) / Double(n)
        var sxy = 0.0
        var sxx = 0.0
        var syy = 0.0
        for i in 0..<n {
            let dx = x[i] - mx
            let dy = y[i] - my
            sxy += dx * dy
            sxx += dx * dx
            syy += dy * dy
        }
        guard sxx > 0, syy > 0 else { return nil }
        return max(-1, min(1, sxy / (sxx * syy).squareRoot()))
    }

    public static func spearman(_ x: [Double], _ y: [Double]) -> Double? {
        pearson(ranks(x), ranks(y))
    }

    /// Ranks from 1, ties sharing their average rank.
    public static func ranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count, values[order[j + 1]] == values[order[i]] { j += 1 }
            let rank = Double(i + j) / 2 + 1
            for k in i...j { ranks[order[k]] = rank }
            i = j + 1
        }
        return ranks
    }

    public static func cramersV(_ a: [String], _ b: [String]) -> Double? {
        let n = a.count
        guard n >= 2 else { return nil }
        var rows: [String: Int] = [:]
        var columns: [String: Int] = [:]
        var cells: [Pair: Int] = [:]
        for i in 0..<n {
            rows[a[i], default: 0] += 1
            columns[b[i], default: 0] += 1
            cells[Pair(a: a[i], b: b[i]), default: 0] += 1
        }
        let smaller = min(rows.count, columns.count) - 1
        guard smaller > 0 else { return nil }
        // χ² = n (Σ n_ij² / (n_i n_j) − 1): only the occupied cells enter.
        var sum = 0.0
        // In a fixed order, so the same rows give the same bits in every process.
        for (pair, count) in cells.sorted(by: { ($0.key.a, $0.key.b) < ($1.key.a, $1.key.b) }) {
            sum += Double(count) * Double(count) / (Double(rows[pair.a]!) * Double(columns[pair.b]!))
        }
        let chi2 = Double(n) * (sum - 1)
        return (max(0, chi2) / Double(n) / Double(smaller)).squareRoot()
    }

    /// η: the share of a number's variance that its group (a text level) explains, square-rooted.
    public static func correlationRatio(groups: [String], values: [Double]) -> Double? {
        let n = values.count
        guard n >= 2 else { return nil }
        let mean = values.reduce(0, +) / Double(n)
        var sums: [String: (sum: Double, count: Int)] = [:]
        var total = 0.0
        for i in 0..<n {
            sums[groups[i], default: (0, 0)].sum += values[i]
            sums[groups[i], default: (0, 0)].count += 1
            total += (values[i] - mean) * (values[i] - mean)
        }
        guard total > 0 else { return nil }
        var between = 0.0
        for (_, group) in sums.sorted(by: { $0.key < $1.key }) {
            let m = group.sum / Double(group.count)
            between += Double(group.count) * (m - mean) * (m - mean)
        }
        return min(1, (between / total).squareRoot())
    }

    private struct Pair: Hashable {
        var a: String
        var b: String
    }
}
