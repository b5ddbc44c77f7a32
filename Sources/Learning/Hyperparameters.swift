import Foundation

/// A hyperparameter's value as written in a spec, a flag or JSON.
public enum HyperparameterValue: Sendable, Hashable, Codable, CustomStringConvertible {
    case number(Double)
    case text(String)
    case bool(Bool)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let b = try? container.decode(Bool.self) {
            self = .bool(b)
        } else if let n = try? container.decode(Double.self) {
            self = .number(n)
        } else {
            self = .text(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .number(let n): try container.encode(n)
        case .text(let s): try container.encode(s)
        case .bool(let b): try container.encode(b)
        }
    }

    /// Parses `--param name=value` text: a number, true/false, or else text.
    public init(parsing text: String) {
        if let n = Double(text), n.isFinite {
            self = .number(n)
        } else if text.lowercased() == "true" || text.lowercased() == "false" {
            self = .bool(text.lowercased() == "true")
        } else {
            self = .text(text)
        }
    }

    public var description: String {
        switch self {
        case .number(let n): formatValue(n)
        case .text(let s): s
        case .bool(let b): String(b)
        }
    }
}

public typealias Hyperparameters = [String: HyperparameterValue]

/// Every combination of the values listed per name (a grid), names in sorted order so the
/// sets come out in the same order however the grid was written: the one expansion that
/// specs and `--param name=a,b` share.
public func hyperparameterGrid(_ values: [String: [HyperparameterValue]]) -> [Hyperparameters] {
    var sets: [Hyperparameters] = [[:]]
    for name in values.keys.sorted() {
        sets = sets.flatMap { set in values[name]!.map { set.merging([name: $0]) { $1 } } }
    }
    return sets
}

extension [String: HyperparameterValue] {
    /// `name=value` pairs in name order, numbers to four significant digits ("(defaults)" when
    /// empty): what tables and progress lines show; JSON keeps every digit.
    public var summary: String {
        guard !isEmpty else { return "(defaults)" }
        return keys.sorted().map { name in
            switch self[name]! {
            case .number(let n) where n != n.rounded() || abs(n) >= 1e15: "\(name)=\(String(format: "%.4g", n))"
            case let value: "\(name)=\(value)"
            }
        }.joined(separator: " ")
    }
}

/// The most sets a grid may expand to: each is a model to fit.
public let maximumGridSets = 1_000

/// Reads typed settings out of a hyperparameter dictionary, remembering which names it
/// knows so that anything else is reported, with the valid names listed. Families read
/// their parameters through it.
public struct HyperparameterReader {
    private let values: Hyperparameters
    private let kind: String
    public private(set) var known: [String] = []

    public init(_ values: Hyperparameters, kind: String) {
        self.values = values
        self.kind = kind
    }

    public mutating func number(_ name: String, default fallback: Double, _ rule: String, _ valid: (Double) -> Bool)
        throws
        -> Double
    {
        known.append(name)
        guard let value = values[name] else { return fallback }
        let number: Double?
        switch value {
        case .number(let n): number = n
        case .text(let s): number = Double(s)
        case .bool: number = nil
        }
        guard let number, number.isFinite, valid(number) else {
            throw LearningError(.invalidHyperparameter, "hyperparameter \(name) must be \(rule); got \(value)")
        }
        return number
    }

    public mutating func integer(_ name: String, default fallback: Int, minimum: Int) throws -> Int {
        let n = try number(name, default: Double(fallback), "a whole number >= \(minimum)") {
            $0 == $0.rounded() && $0 >= Double(minimum) && $0 < 1e9
        }
        return Int(n)
    }

    /// A number with no default: nil when the set does not name it.
    public mutating func optionalNumber(_ name: String, _ rule: String, _ valid: (Double) -> Bool) throws -> Double? {
        guard values[name] != nil else {
            known.append(name)
            return nil
        }
        return try number(name, default: 0, rule, valid)
    }

    public mutating func bool(_ name: String, default fallback: Bool) throws -> Bool {
        known.append(name)
        switch values[name] {
        case nil: return fallback
        case .bool(let b)?: return b
        case .text(let s)? where ["true", "false"].contains(s.lowercased()): return s.lowercased() == "true"
        case let other?:
            throw LearningError(.invalidHyperparameter, "hyperparameter \(name) must be true or false; got \(other)")
        }
    }

    public mutating func choice<E: RawRepresentable & CaseIterable>(_ name: String, default fallback: E) throws -> E
    where E.RawValue == String {
        known.append(name)
        guard let value = values[name] else { return fallback }
        let text: String
        switch value {
        case .text(let s): text = s
        case .number, .bool: text = value.description
        }
        guard let choice = E(rawValue: text) else {
            let valid = E.allCases.map(\.rawValue).joined(separator: ", ")
            throw LearningError(.invalidHyperparameter, "hyperparameter \(name) must be one of \(valid); got '\(text)'")
        }
        return choice
    }

    /// Fails on any name that was not read.
    public func finish() throws {
        let unknown = values.keys.filter { !known.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw LearningError(
                .unknownHyperparameter,
                "unknown hyperparameter\(unknown.count > 1 ? "s" : "") \(unknown.joined(separator: ", ")) for \(kind); valid: \(known.sorted().joined(separator: ", "))"
            )
        }
    }
}
