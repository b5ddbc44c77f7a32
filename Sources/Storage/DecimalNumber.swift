import Glibc

/// Decimal text to the nearest `Double`, without allocating: the grammar
/// `[+-]digits[.digits][(e|E)[+-]digits]` (either digit run may be empty, not both; no hex,
/// no inf or nan, no spaces), for CSV fields and JSON numbers alike.
///
/// Numbers of up to 19 significant digits whose mantissa is below 2^53 and whose power of
/// ten is within ±22 take Clinger's fast path: the mantissa and 10^|power| are exact doubles
/// and one IEEE multiplication or division rounds correctly. (A larger power whose excess a
/// short mantissa absorbs exactly takes it too.) Everything else — long mantissas, large
/// exponents, subnormals, halfway cases — goes to the C library's `strtod`, which rounds
/// correctly, on a NUL-terminated copy on the stack.
public enum DecimalNumber {
    /// nil when the bytes are not the grammar, or the value is not finite.
    public static func parse(_ text: UnsafeRawBufferPointer) -> Double? {
        var i = 0
        let n = text.count
        var negative = false
        if i < n && (text[i] == UInt8(ascii: "-") || text[i] == UInt8(ascii: "+")) {
            negative = text[i] == UInt8(ascii: "-")
            i += 1
        }
        var mantissa: UInt64 = 0
        var significant = 0
        var digits = 0
        var scale = 0  // digits after the point
        while i < n && text[i] &- 48 < 10 {
            if mantissa != 0 || text[i] != 48 { significant += 1 }
            if significant <= 19 { mantissa = mantissa &* 10 &+ UInt64(text[i] &- 48) }
            i += 1
            digits += 1
        }
        if i < n && text[i] == UInt8(ascii: ".") {
            i += 1
            while i < n && text[i] &- 48 < 10 {
                if mantissa != 0 || text[i] != 48 { significant += 1 }
                if significant <= 19 { mantissa = mantissa &* 10 &+ UInt64(text[i] &- 48) }
                i += 1
                digits += 1
                scale += 1
            }
        }
        guard digits > 0 else { return nil }
        var exponent = 0
        if i < n && (text[i] | 0x20) == UInt8(ascii: "e") {
            i += 1
            var exponentNegative = false
            if i < n && (text[i] == UInt8(ascii: "-") || text[i] == UInt8(ascii: "+")) {
                exponentNegative = text[i] == UInt8(ascii: "-")
                i += 1
            }
            var exponentDigits = 0
            while i < n && text[i] &- 48 < 10 {
                if exponent < 100_000 { exponent = exponent * 10 + Int(text[i] &- 48) }
                i += 1
                exponentDigits += 1
            }
            guard exponentDigits > 0 else { return nil }
            if exponentNegative { exponent = -exponent }
        }
        guard i == n else { return nil }
        return fast(mantissa, significant: significant, power: exponent - scale, negative: negative)
            ?? correctlyRounded(text)
    }

    /// What a JSON number at a position turned out to be.
    public enum JSONNumber: Equatable, Sendable {
        case value(Double)
        /// Not JSON's number grammar (RFC 8259 §6) at this position.
        case invalid
        /// The grammar, but beyond `Double`'s range.
        case outOfRange
    }

    /// The JSON number starting at `position` (`-?(0|[1-9]digits)(.digits)?([eE][+-]?digits)?`),
    /// checked and converted in one pass; `position` is left after it. The body of a
    /// prediction is mostly numbers, read here without a second scan or a copy (inlinable, so
    /// that the prediction shortcut's call is not a cross-module call per number).
    @inlinable
    public static func parseJSON(_ bytes: UnsafeBufferPointer<UInt8>, at position: inout Int) -> JSONNumber {
        let start = position
        var i = position
        let n = bytes.count
        let negative = i < n && bytes[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        guard i < n, bytes[i] &- 48 < 10 else {
            position = i
            return .invalid
        }
        var mantissa: UInt64 = 0
        var significant = 0
        var scale = 0
        if bytes[i] == 48 {
            i += 1
        } else {
            while i < n && bytes[i] &- 48 < 10 {
                significant += 1
                if significant <= 19 { mantissa = mantissa &* 10 &+ UInt64(bytes[i] &- 48) }
                i += 1
            }
        }
        if i < n && bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard i < n, bytes[i] &- 48 < 10 else {
                position = i
                return .invalid
            }
            while i < n && bytes[i] &- 48 < 10 {
                if mantissa != 0 || bytes[i] != 48 { significant += 1 }
                if significant <= 19 { mantissa = mantissa &* 10 &+ UInt64(bytes[i] &- 48) }
                i += 1
                scale += 1
            }
        }
        var exponent = 0
        if i < n && (bytes[i] | 0x20) == UInt8(ascii: "e") {
            i += 1
            var exponentNegative = false
            if i < n && (bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+")) {
                exponentNegative = bytes[i] == UInt8(ascii: "-")
                i += 1
            }
            guard i < n, bytes[i] &- 48 < 10 else {
                position = i
                return .invalid
            }
            while i < n && bytes[i] &- 48 < 10 {
                if exponent < 100_000 { exponent = exponent * 10 + Int(bytes[i] &- 48) }
                i += 1
            }
            if exponentNegative { exponent = -exponent }
        }
        position = i
        if let value = fast(mantissa, significant: significant, power: exponent - scale, negative: negative) {
            return .value(value)
        }
        let text = UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[start..<i]))
        return correctlyRounded(text).map(JSONNumber.value) ?? .outOfRange
    }

    /// Clinger's fast path: the value when the mantissa and the power of ten are exact
    /// doubles (nil: round it with `strtod`).
    @inlinable @inline(__always)
    static func fast(_ mantissa: UInt64, significant: Int, power: Int, negative: Bool) -> Double? {
        guard significant <= 19 && mantissa <= 1 << 53 else { return nil }
        var value: Double?
        if mantissa == 0 {
            value = 0
        } else if power >= -22 && power <= 22 {
            let m = Double(mantissa)
            value = power < 0 ? m / powersOfTen[-power] : m * powersOfTen[power]
        } else if power > 22 && power <= 22 + 15 {
            // 123e30 = (123 × 10^8) × 10^22 when 123 × 10^8 is still an exact integer double.
            let shifted = mantissa.multipliedReportingOverflow(by: UInt64(powersOfTen[power - 22]))
            if !shifted.overflow && shifted.partialValue <= 1 << 53 {
                value = Double(shifted.partialValue) * powersOfTen[22]
            }
        }
        guard let value else { return nil }
        return negative ? -value : value
    }

    public static func parse(_ text: String) -> Double? {
        var text = text
        return text.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
    }

    /// strtod on a NUL-terminated copy (the grammar is already checked, so strtod reads it
    /// all; C's locale is never changed here, so the point is '.').
    @usableFromInline
    static func correctlyRounded(_ text: UnsafeRawBufferPointer) -> Double? {
        let value = withUnsafeTemporaryAllocation(of: CChar.self, capacity: text.count + 1) { buffer -> Double in
            for k in 0..<text.count { buffer[k] = CChar(bitPattern: text[k]) }
            buffer[text.count] = 0
            return strtod(buffer.baseAddress!, nil)
        }
        return value.isFinite ? value : nil
    }

    /// 10^0 ... 10^22, every one exactly representable.
    @usableFromInline
    static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
        1e20, 1e21, 1e22,
    ]
}
