import Foundation
public import Learning

/// `similar:` in a training spec: which training rows a version answers "n similar samples"
/// from. A sample shares every `match` column with the query and is nearest on `nearest`
/// (one column: the absolute difference; several: the distance in standard deviations);
/// `columns` are the ones shown (default: match, nearest, the other features and the target).
public struct SimilarSpec: Sendable, Equatable, Codable {
    public var match: [String]
    public var nearest: [String]
    public var columns: [String]

    public init(match: [String], nearest: [String], columns: [String] = []) {
        self.match = match
        self.nearest = nearest
        self.columns = columns
    }
}

/// A value of a kept training row, as JSON carries it.
public enum SampleValue: Sendable, Equatable, Codable {
    case number(Double)
    case text(String)
    case null

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let n = try? c.decode(Double.self) {
            self = .number(n)
        } else {
            self = .text(try c.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .number(let n): try c.encode(n)
        case .text(let s): try c.encode(s)
        case .null: try c.encodeNil()
        }
    }

    /// The match key of a value: text as it is, numbers as the CLI and JSON print them.
    var key: String? {
        switch self {
        case .number(let n): HyperparameterValue.number(n).description
        case .text(let s): s
        case .null: nil
        }
    }
}

/// The kept training rows of a version, column by column, and an index over them: rows
/// grouped by their match values, each group sorted on the first nearest column, so a query
/// is a hash lookup, a binary search and a walk both ways. A class: every `/similar` takes
/// its model's, and a struct of six arrays cost six retains and releases a request.
public final class SimilarSamples: Sendable {
    public let spec: SimilarSpec
    public let columns: [String]
    /// `values[c][row]`, `c` indexing `columns`.
    public let values: [[SampleValue]]
    public var rowCount: Int { values.first?.count ?? 0 }
    private let groups: [String: [Int32]]
    private let nearestColumns: [Int]
    /// Each nearest column's standard deviation (several columns are compared in its units).
    private let scales: [Double]

    /// Most rows one query may ask for.
    public static let maximumN = 100

    /// The stored form: the spec, and the columns with their values.
    struct Stored: Codable {
        var columns: [String]
        var values: [[SampleValue]]
    }

    public init(spec: SimilarSpec, columns: [String], values: [[SampleValue]]) throws {
        guard columns.count == values.count, Set(values.map(\.count)).count <= 1 else {
            throw RegistryError(.badValue, "similar samples: columns of different lengths")
        }
        for name in spec.match + spec.nearest where !columns.contains(name) {
            throw RegistryError(.badValue, "similar samples: column \(name) is not kept")
        }
        self.spec = spec
        self.columns = columns
        self.values = values
        let match = spec.match.map { columns.firstIndex(of: $0)! }
        nearestColumns = spec.nearest.map { columns.firstIndex(of: $0)! }
        let rows = values.first?.count ?? 0
        var scales: [Double] = []
        for c in nearestColumns {
            let present = values[c].compactMap { if case .number(let n) = $0 { n } else { nil } }
            let mean = present.reduce(0, +) / Double(max(1, present.count))
            let variance = present.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(1, present.count))
            scales.append(variance > 0 ? variance.squareRoot() : 1)
        }
        self.scales = scales
        var groups: [String: [Int32]] = [:]
        let first = nearestColumns[0]
        for row in 0..<rows {
            // Rows missing a nearest value have no distance: they are never an answer.
            guard nearestColumns.allSatisfy({ if case .number = values[$0][row] { true } else { false } }) else {
                continue
            }
            groups[Self.key(match.map { values[$0][row].key }), default: []].append(Int32(row))
        }
        func number(_ row: Int32) -> Double { if case .number(let n) = values[first][Int(row)] { n } else { .nan } }
        self.groups = groups.mapValues { rows in rows.sorted { (number($0), $0) < (number($1), $1) } }
    }

    static func key(_ parts: [String?]) -> String {
        // Written into one String: a String a part and their join cost ~2,000 instructions
        // on every `/similar`.
        var key = ""
        key.reserveCapacity(parts.reduce(0) { $0 + ($1?.utf8.count ?? 0) + 2 })
        for (i, part) in parts.enumerated() {
            if i > 0 { key.append("\u{1F}") }
            if let part {
                key.append("=")
                key.append(part)
            } else {
                key.append("\u{0}")
            }
        }
        return key
    }

    /// Keeps the spec's columns of the training rows (features by name, the target as
    /// `target`), checking that they exist and that nearest columns are numeric.
    public static func keep(_ spec: SimilarSpec, from data: TrainingData, target: String) throws -> SimilarSamples {
        let shown =
            spec.columns.isEmpty
            ? spec.match + spec.nearest
                + (data.numeric.keys.sorted() + data.categorical.keys.sorted()).filter {
                    !spec.match.contains($0) && !spec.nearest.contains($0)
                } + [target]
            : spec.columns
        var columns: [String] = []
        var values: [[SampleValue]] = []
        for name in shown + spec.match + spec.nearest where !columns.contains(name) {
            columns.append(name)
            if name == target {
                values.append(data.target.map { .number($0) })
            } else if let numeric = data.numeric[name] {
                values.append(
                    (0..<data.count).map { numeric.isMissing?[$0] == true ? .null : .number(numeric.values[$0]) })
            } else if let text = data.categorical[name] {
                values.append(text.map { $0.map(SampleValue.text) ?? .null })
            } else {
                throw RegistryError(
                    .badValue, "similar: \(name) is not a feature or the target of the training data")
            }
        }
        for name in spec.nearest where data.numeric[name] == nil && name != target {
            throw RegistryError(.badValue, "similar.nearest: \(name) must be a numeric feature")
        }
        return try SimilarSamples(spec: spec, columns: columns, values: values)
    }

    /// The `n` kept rows nearest to `query` among those sharing its match values, nearest
    /// first (ties in row order), with their distances; an empty list when no row shares them.
    /// Throws, naming each, when the query lacks a match or nearest value or has the wrong type.
    public func nearest(to query: [String: FeatureValue], n: Int) throws -> [(row: Int, distance: Double)] {
        var problems: [String: String] = [:]
        var parts: [String?] = []
        parts.reserveCapacity(spec.match.count)
        for name in spec.match {
            switch query[name] {
            case .text(let s)?: parts.append(s)
            case .number(let v)?: parts.append(HyperparameterValue.number(v).description)
            case .missing?: parts.append(nil)
            case nil: problems[name] = "missing: similar samples match on it"
            }
        }
        var target: [Double] = []
        target.reserveCapacity(spec.nearest.count)
        for name in spec.nearest {
            switch query[name] {
            case .number(let v)? where v.isFinite: target.append(v)
            case nil: problems[name] = "missing: similar samples are nearest on it"
            default: problems[name] = "must be a finite number"
            }
        }
        guard problems.isEmpty else {
            let text = problems.keys.sorted().map { "\($0): \(problems[$0]!)" }.joined(separator: "; ")
            throw LearningError(.wrongType, "invalid features: \(text)", details: problems)
        }
        guard let rows = groups[Self.key(parts)], !rows.isEmpty else { return [] }
        let count = min(n, rows.count)
        func value(_ c: Int, _ row: Int32) -> Double {
            if case .number(let v) = values[nearestColumns[c]][Int(row)] { v } else { .nan }
        }
        if nearestColumns.count > 1 {
            let scored = rows.map { row in
                let d = (0..<nearestColumns.count).reduce(0.0) { sum, c in
                    let z = (value(c, row) - target[c]) / scales[c]
                    return sum + z * z
                }
                return (row: Int(row), distance: d.squareRoot())
            }
            return Array(scored.sorted { ($0.distance, $0.row) < ($1.distance, $1.row) }.prefix(count))
        }
        // One column: the first row at or above the query, then outwards, the closer side first.
        var lo = 0
        var hi = rows.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if value(0, rows[mid]) < target[0] { lo = mid + 1 } else { hi = mid }
        }
        // Past the n-th, rows as far as it are kept too, so that ties go by row order.
        var left = lo - 1
        var right = lo
        var out: [(row: Int, distance: Double)] = []
        out.reserveCapacity(count)
        while true {
            let dl = left >= 0 ? target[0] - value(0, rows[left]) : .infinity
            let dr = right < rows.count ? value(0, rows[right]) - target[0] : .infinity
            let next = min(dl, dr)
            if next == .infinity || (out.count >= count && next > out[out.count - 1].distance) { break }
            if dl <= dr {
                out.append((Int(rows[left]), dl))
                left -= 1
            } else {
                out.append((Int(rows[right]), dr))
                right += 1
            }
        }
        return Array(out.sorted { ($0.distance, $0.row) < ($1.distance, $1.row) }.prefix(count))
    }
}
