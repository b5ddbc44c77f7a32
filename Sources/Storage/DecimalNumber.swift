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
        if significant <= 19 && mantissa <= 1 << 53 {
            let power = exponent - scale
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
            if let value { return negative ? -value : value }
        }
        return correctlyRounded(text)
    }

    public static func parse(_ text: String) -> Double? {
        var text = text
        return text.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
    }

    /// strtod on a NUL-terminated copy (the grammar is already checked, so strtod reads it
    /// all; C's locale is never changed here, so the point is '.').
    private static func correctlyRounded(_ text: UnsafeRawBufferPointer) -> Double? {
        let value = withUnsafeTemporaryAllocation(of: CChar.self, capacity: text.count + 1) { buffer -> Double in
            for k in 0..<text.count { buffer[k] = CChar(bitPattern: text[k]) }
            buffer[text.count] = 0
            return strtod(buffer.baseAddress!, nil)
        }
        return value.isFinite ? value : nil
    }

    /// 10^0 ... 10^22, every one exactly representable.
    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
        1e20, 1e21, 1e22,
    ]
}
