import Foundation

/// Something in the data a person should look at before trusting a model trained on it, with
/// the rule that found it, how many rows it touches, an example, and (for rules about rows) a
/// test that finds those rows again, so training can drop them.
public struct Finding: Sendable, Codable, Equatable {
    public enum Rule: String, Sendable, Codable, CaseIterable {
        /// A repeated value far outside the rest (-1, 9999: a code for "unknown").
        case sentinel
        /// Zeros in a column whose other values keep well away from zero.
        case isolatedZeros = "isolated_zeros"
        /// A few negative values in a column otherwise positive.
        case strayNegatives = "stray_negatives"
        /// Two columns that move together (|r| ≥ 0.95), and rows where one is far from what
        /// the other predicts (robust z of the residual > 10).
        case linkedColumns = "linked_columns"
        case duplicateRows = "duplicate_rows"
        case constant
        /// Text or whole numbers different in every row: an id, not a feature.
        case identifier
    }

    public var rule: Rule
    public var columns: [String]
    public var rows: Int
    public var example: String
    public var message: String
    /// How to find the rows again; nil for findings about a column as a whole.
    public var test: RowTest?
}

/// A finding's rows, as a test on one row's numbers by column name.
public enum RowTest: Sendable, Codable, Equatable {
    case equals(column: String, value: Double)
    case negative(column: String)
    case linked(LinkedFit)
    case duplicate

    /// Whether the row (its numbers by column; nil for missing or text) is one of the rows.
    /// Duplicates are found by the row's hash, not here: always false.
    public func matches(_ number: (String) -> Double?) -> Bool {
        switch self {
        case .equals(let column, let value): number(column) == value
        case .negative(let column): (number(column) ?? 0) < 0
        case .linked(let fit): fit.disagrees(x: number(fit.x), y: number(fit.y))
        case .duplicate: false
        }
    }
}

/// y against x by least squares (on logarithms when both are positive), and how far a row's
/// residual may sit from the residuals' median in robust standard deviations (1.4826 MAD).
public struct LinkedFit: Sendable, Codable, Equatable {
    public var x: String
    public var y: String
    public var logarithmic: Bool
    public var intercept: Double
    public var slope: Double
    public var center: Double
    public var scale: Double
    public static let limit = 10.0

    func transformed(_ v: Double) -> Double? { logarithmic ? (v > 0 ? log(v) : nil) : v }

    public func robustZ(x: Double, y: Double) -> Double? {
        guard let tx = transformed(x), let ty = transformed(y) else { return nil }
        return abs(ty - (intercept + slope * tx) - center) / scale
    }

    func disagrees(x: Double?, y: Double?) -> Bool {
        guard let x, let y, x.isFinite, y.isFinite, let z = robustZ(x: x, y: y) else { return false }
        return z > Self.limit
    }

    /// What x predicts for y, on the original scale.
    public func predicted(x: Double) -> Double? {
        guard let tx = transformed(x) else { return nil }
        let t = intercept + slope * tx + center
        return logarithmic ? exp(t) : t
    }
}

/// The rules, run on a finished profile's columns (their extremes and counts) and its sample.
enum SuspiciousValues {
    /// Fewer numbers than this in a column and the tail rules keep quiet.
    static let minimumValues = 20
    /// A sentinel or isolated zero is at most this share of a column's values.
    static let rareShare = 0.05
    static let strayShare = 0.01
    static let linkedCorrelation = 0.95

    static func columnFindings(_ accumulator: ColumnAccumulator, rows: Int) -> [Finding] {
        var findings: [Finding] = []
        let name = accumulator.name
        let present = accumulator.numbers + accumulator.texts
        if present > 0, accumulator.distinct.count == 1 {
            findings.append(
                Finding(
                    rule: .constant, columns: [name], rows: present, example: example(accumulator),
                    message:
                        "\(name) is constant (\(example(accumulator)) in all \(present.formatted()) rows that have it)",
                    test: nil))
        }
        if rows >= minimumValues, accumulator.nulls == 0, accumulator.distinct.isExact,
            accumulator.distinct.count == rows,
            accumulator.type == .text || (accumulator.type == .number && accumulator.nonIntegral == 0)
        {
            findings.append(
                Finding(
                    rule: .identifier, columns: [name], rows: rows, example: example(accumulator),
                    message: "\(name) differs in every row: an identifier, not a feature", test: nil))
        }
        let n = accumulator.sketch.count
        guard n >= minimumValues else { return findings }
        var sentinelNegatives = 0
        for side in [Side.low, .high] {
            let list = side == .low ? accumulator.lowest : accumulator.highest
            guard list.count >= 3 else { continue }
            let (value, count) = list[0]
            let nearest = list[1].value
            guard Double(count) <= rareShare * Double(n) else { continue }
            var step = Double.infinity
            for i in 1..<(list.count - 1) { step = min(step, abs(list[i + 1].value - list[i].value)) }
            let tail = abs(accumulator.sketch.quantile(side == .low ? 0.01 : 0.99)! - nearest)
            let gap = abs(nearest - value)
            guard gap > 2 * max(tail, step) else { continue }
            let rest = n - count
            if value == 0, side == .low ? accumulator.negatives == 0 : accumulator.negatives == rest {
                let bound = side == .low ? "at least \(format(nearest))" : "at most \(format(nearest))"
                findings.append(
                    Finding(
                        rule: .isolatedZeros, columns: [name], rows: count, example: "\(name) = 0",
                        message:
                            "\(rowCount(count)) \(name) = 0, though every other value is \(bound)",
                        test: .equals(column: name, value: 0)))
            } else if count >= 2 {
                if value < 0 { sentinelNegatives += count }
                let direction = side == .low ? "below" : "above"
                findings.append(
                    Finding(
                        rule: .sentinel, columns: [name], rows: count, example: "\(name) = \(format(value))",
                        message:
                            "\(rowCount(count)) \(name) = \(format(value)), a value \(format(gap)) \(direction) the rest (next: \(format(nearest)))",
                        test: .equals(column: name, value: value)))
            }
        }
        let negatives = accumulator.negatives - sentinelNegatives
        if negatives > 0, Double(accumulator.negatives) <= strayShare * Double(n),
            accumulator.negatives + accumulator.zeros < n
        {
            findings.append(
                Finding(
                    rule: .strayNegatives, columns: [name], rows: accumulator.negatives,
                    example: "\(name) = \(format(accumulator.minimum))",
                    message:
                        "\(rowCount(accumulator.negatives)) a negative \(name) (lowest \(format(accumulator.minimum))), though the other \((n - accumulator.negatives).formatted()) values are not",
                    test: .negative(column: name)))
        }
        return findings
    }

    /// Pairs of numeric columns that move together, and the sample's rows where they disagree.
    static func linkedFindings(_ columns: [(name: String, values: [Double?])], sampled: Bool) -> [Finding] {
        var findings: [Finding] = []
        for i in columns.indices {
            for j in columns.indices where j > i {
                guard let (fit, flagged) = linkedFit(x: columns[i], y: columns[j]) else { continue }
                guard let first = flagged.first else { continue }
                let x = columns[i].values[first]!
                let y = columns[j].values[first]!
                let z = fit.robustZ(x: x, y: y) ?? 0
                let predicted = fit.predicted(x: x).map(format) ?? "?"
                let inSample = sampled ? " in the sample" : ""
                findings.append(
                    Finding(
                        rule: .linkedColumns, columns: [fit.x, fit.y], rows: flagged.count,
                        example: "\(fit.x) = \(format(x)), \(fit.y) = \(format(y))",
                        message:
                            "\(rowCount(flagged.count))\(inSample) \(fit.y) far from what \(fit.x) predicts (e.g. \(fit.y) = \(format(y)) where \(fit.x) = \(format(x)) predicts about \(predicted); robust z \(format(z)))",
                        test: .linked(fit)))
            }
        }
        return findings
    }

    static func linkedFit(x: (name: String, values: [Double?]), y: (name: String, values: [Double?])) -> (
        LinkedFit, [Int]
    )? {
        var rows: [Int] = []
        var positive = 0
        for r in x.values.indices {
            guard let a = x.values[r], let b = y.values[r] else { continue }
            rows.append(r)
            if a > 0 && b > 0 { positive += 1 }
        }
        guard rows.count >= minimumValues else { return nil }
        let logarithmic = Double(positive) >= 0.95 * Double(rows.count)
        var xs: [Double] = []
        var ys: [Double] = []
        var used: [Int] = []
        for r in rows {
            let a = x.values[r]!
            let b = y.values[r]!
            if logarithmic {
                guard a > 0, b > 0 else { continue }
                xs.append(log(a))
                ys.append(log(b))
            } else {
                xs.append(a)
                ys.append(b)
            }
            used.append(r)
        }
        guard let r = Association.pearson(xs, ys), abs(r) >= linkedCorrelation else { return nil }
        let n = Double(xs.count)
        let mx = xs.reduce(0, +) / n
        let my = ys.reduce(0, +) / n
        var sxy = 0.0
        var sxx = 0.0
        for k in xs.indices {
            sxy += (xs[k] - mx) * (ys[k] - my)
            sxx += (xs[k] - mx) * (xs[k] - mx)
        }
        let slope = sxy / sxx
        let intercept = my - slope * mx
        let residuals = xs.indices.map { ys[$0] - (intercept + slope * xs[$0]) }
        let center = median(residuals)
        // An exact relationship has a MAD of zero: measure from rounding's scale instead.
        let scale = max(1.4826 * median(residuals.map { abs($0 - center) }), 1e-9 * (1 + abs(my)))
        let fit = LinkedFit(
            x: x.name, y: y.name, logarithmic: logarithmic, intercept: intercept, slope: slope, center: center,
            scale: scale)
        let flagged = used.indices.filter { abs(residuals[$0] - center) / scale > LinkedFit.limit }.map { used[$0] }
        guard Double(flagged.count) <= max(1, strayShare * n) else { return nil }
        return (fit, flagged)
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return QuantileSketch.interpolated(sorted, 0.5)
    }

    private enum Side { case low, high }

    static func rowCount(_ n: Int) -> String { n == 1 ? "1 row has" : "\(n.formatted()) rows have" }

    static func format(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return Int64(v).formatted() }
        return String(format: "%.4g", v)
    }

    private static func example(_ accumulator: ColumnAccumulator) -> String {
        if let level = accumulator.levels.first?.key { return "'\(level)'" }
        if accumulator.minimum.isFinite { return format(accumulator.minimum) }
        return "?"
    }
}
