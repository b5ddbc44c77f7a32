public import Foundation

/// A value bound into or read out of a SQL statement, the same for every driver.
///
/// Timestamps are UTC with microsecond precision, the finest both Postgres and our SQLite
/// text encoding keep.
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case double(Double)
    case text(String)
    case bool(Bool)
    case bytes([UInt8])
    case timestamp(Date)

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The value as an integer, if it is one (or a bool, as 0/1 — how SQLite stores them).
    public var int64: Int64? {
        switch self {
        case .integer(let v): return v
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }

    /// The value as a double, if it is numeric.
    public var double: Double? {
        switch self {
        case .double(let v): return v
        case .integer(let v): return Double(v)
        default: return nil
        }
    }

    public var string: String? {
        if case .text(let s) = self { return s }
        return nil
    }

    public var bool: Bool? {
        switch self {
        case .bool(let b): return b
        case .integer(let v) where v == 0 || v == 1: return v == 1
        default: return nil
        }
    }

    public var date: Date? {
        if case .timestamp(let d) = self { return d }
        return nil
    }

    /// A short name of the value's type, for error messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .integer: "integer"
        case .double: "double"
        case .text: "text"
        case .bool: "bool"
        case .bytes: "bytes"
        case .timestamp: "timestamp"
        }
    }
}

extension SQLValue: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByNilLiteral
{
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .text(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(nilLiteral: ()) { self = .null }
}

extension SQLValue {
    public init(_ value: Int) { self = .integer(Int64(value)) }
    public init(_ value: Double) { self = .double(value) }
    public init(_ value: String) { self = .text(value) }
    public init(_ value: String?) { self = value.map(SQLValue.text) ?? .null }
    public init(_ value: Int?) { self = value.map { .integer(Int64($0)) } ?? .null }
    public init(_ value: Double?) { self = value.map(SQLValue.double) ?? .null }
}
