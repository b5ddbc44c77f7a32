import Foundation

/// The type of a loaded column, inferred from every value in the file: the most specific
/// type that all non-empty values fit (integer, then double; boolean; timestamp; else text).
public enum CSVColumnType: String, Sendable, CaseIterable {
    case integer, double, boolean, timestamp, text
    /// Binary values (Parquet BYTE_ARRAY without a text annotation); CSV never infers it.
    case bytes

    /// The column type in each dialect's DDL.
    public func sqlType(for dialect: SQLDialect) -> String {
        switch (self, dialect) {
        case (.integer, .postgres): "BIGINT"
        case (.integer, .sqlite): "INTEGER"
        case (.double, .postgres): "DOUBLE PRECISION"
        case (.double, .sqlite): "REAL"
        case (.boolean, _): "BOOLEAN"
        case (.timestamp, .postgres): "TIMESTAMPTZ"
        case (.timestamp, .sqlite): "TIMESTAMP"
        case (.text, _): "TEXT"
        case (.bytes, .postgres): "BYTEA"
        case (.bytes, .sqlite): "BLOB"
        }
    }
}

/// Narrows one column's possible types as values go by.
struct CSVTypeInference {
    private var couldBeInteger = true
    private var couldBeDouble = true
    private var couldBeBoolean = true
    private var couldBeTimestamp = true
    private(set) var sawValue = false

    mutating func observe(_ field: UnsafeRawBufferPointer) {
        sawValue = true
        if couldBeInteger && CSVValueParser.integer(field) == nil { couldBeInteger = false }
        if couldBeDouble && !couldBeInteger && CSVValueParser.double(field) == nil { couldBeDouble = false }
        if couldBeBoolean && CSVValueParser.boolean(field) == nil { couldBeBoolean = false }
        if couldBeTimestamp && CSVValueParser.timestamp(field) == nil { couldBeTimestamp = false }
    }

    var type: CSVColumnType {
        guard sawValue else { return .text }
        if couldBeInteger { return .integer }
        if couldBeDouble { return .double }
        if couldBeBoolean { return .boolean }
        if couldBeTimestamp { return .timestamp }
        return .text
    }
}

/// Strict parsers for CSV field bytes: what they accept defines the inferred types.
enum CSVValueParser {
    /// Optional sign and 1-19 digits that fit in Int64.
    static func integer(_ field: UnsafeRawBufferPointer) -> Int64? {
        var i = 0
        var negative = false
        if let first = field.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            i = 1
        }
        guard i < field.count, field.count - i <= 19 else { return nil }
        var value: Int64 = 0
        while i < field.count {
            let d = field[i] &- 48
            guard d < 10 else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = negative ? m.subtractingReportingOverflow(Int64(d)) : m.addingReportingOverflow(Int64(d))
            guard !o1 && !o2 else { return nil }
            value = s
            i += 1
        }
        return value
    }

    /// A finite decimal number: `[+-]digits[.digits][e[+-]digits]`, correctly rounded
    /// (`DecimalNumber`).
    static func double(_ field: UnsafeRawBufferPointer) -> Double? { DecimalNumber.parse(field) }

    /// `true`/`false`/`t`/`f`, any case.
    static func boolean(_ field: UnsafeRawBufferPointer) -> Bool? {
        switch field.count {
        case 1:
            switch field[0] | 0x20 {
            case UInt8(ascii: "t"): return true
            case UInt8(ascii: "f"): return false
            default: return nil
            }
        case 4 where matches(field, "true"): return true
        case 5 where matches(field, "false"): return false
        default: return nil
        }
    }

    static func timestamp(_ field: UnsafeRawBufferPointer) -> Date? {
        guard field.count >= 10, field[4] == UInt8(ascii: "-") else { return nil }
        return Timestamp.parse(bytes: field)
    }

    private static func matches(_ field: UnsafeRawBufferPointer, _ word: StaticString) -> Bool {
        let w = UnsafeRawBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        return zip(field, w).allSatisfy { $0 | 0x20 == $1 }
    }
}
