/// Doubles as the shortest decimal that reads back as the same double, spelled as Swift's
/// `description` spells it, written straight into a caller's buffer: the answer path prints
/// a number or two every request, and `description` made and freed a String each time.
///
/// The digits come from the Schubfach algorithm (R. Giulietti, "The Schubfach way to render
/// doubles", 2020): the value's rounding interval is scaled by one 128-bit power of ten
/// (`powers`, generated with exact integers by scripts/reference/make_pow10_table.py), and
/// the one or two candidate decimals it contains are read off with integer arithmetic only.
public enum ShortestDecimal {
    /// Bytes `write` may use: a sign, 17 digits, a point, "e-324" and slack.
    public static let maximumLength = 32

    /// The shortest `digits × 10^exponent` nearest to `value` (finite, above zero), with no
    /// trailing zeros in `digits`.
    public static func decimal(_ value: Double) -> (digits: UInt64, exponent: Int) {
        var (digits, exponent) = shortest(value)
        // The interval may hold a shorter decimal than its length says (1.9490628022800e289).
        while digits % 10 == 0 {
            digits /= 10
            exponent += 1
        }
        return (digits, exponent)
    }

    /// Schubfach's decimal: of the fewest digits, the nearest; it may end in zeros.
    private static func shortest(_ value: Double) -> (digits: UInt64, exponent: Int) {
        let bits = value.bitPattern
        let fraction = bits & ((1 << 52) - 1)
        let biased = Int((bits >> 52) & 0x7FF)
        // value = c × 2^q.
        let c: UInt64
        let q: Int
        if biased != 0 {
            c = fraction | (1 << 52)
            q = biased - 1075
        } else {
            c = fraction
            q = -1074
        }
        let even = c & 1 == 0
        // At a power of two (not the smallest normal) the double below is half as far away.
        let lowerCloser = fraction == 0 && biased > 1
        // The interval of reals that round to `value`, times 4: [cbl, cbr] around cb.
        let cb = c << 2
        let cbr = cb + 2
        let cbl = lowerCloser ? cb - 1 : cb - 2
        // k = floor(log10(2^q)), or of 3/4 · 2^q when the lower neighbour is closer; both
        // formulas are checked exactly, for every q, by the script that makes the table.
        let k = (q * 1_262_611 - (lowerCloser ? 524_031 : 0)) >> 22
        let h = q + ((-k * 1_741_647) >> 19)
        let g = powers[-k - minimumPower]
        let vbl = roundToOdd(g, cbl << h)
        let vb = roundToOdd(g, cb << h)
        let vbr = roundToOdd(g, cbr << h)
        let lower = even ? vbl : vbl + 1
        let upper = even ? vbr : vbr - 1

        // One digit fewer, if exactly one of the two candidates around it is inside.
        let s = vb >> 2
        if s >= 10 {
            let sp = s / 10
            let downInside = lower <= 40 * sp
            let upInside = 40 * sp + 40 <= upper
            if downInside != upInside { return (upInside ? sp + 1 : sp, k + 1) }
        }
        let downInside = lower <= 4 * s
        let upInside = 4 * s + 4 <= upper
        if downInside != upInside { return (upInside ? s + 1 : s, k) }
        // Both (or, by the paper, never neither): the nearer, ties to even.
        let middle = 4 * s + 2
        let up = vb > middle || (vb == middle && s & 1 != 0)
        return (up ? s + 1 : s, k)
    }

    /// floor(g × cp / 2^127), its lowest bit set if anything was cut off (round to odd), from
    /// the top 128 bits of the 192-bit product.
    @inline(__always)
    private static func roundToOdd(_ g: (high: UInt64, low: UInt64), _ cp: UInt64) -> UInt64 {
        let low = cp.multipliedFullWidth(by: g.low).high
        let product = cp.multipliedFullWidth(by: g.high)
        let (y0, carry) = product.low.addingReportingOverflow(low)
        let y1 = product.high &+ (carry ? 1 : 0)
        return (y1 << 1 | y0 >> 63) | (y0 != 0 ? 1 : 0)
    }

    /// Writes a finite `value` as `value.description` does ("0.1", "1e-05", "2.5e+16",
    /// "100.0", "-0.0") into `buffer` (`maximumLength` bytes), and returns the byte count.
    public static func write(_ value: Double, into buffer: UnsafeMutablePointer<UInt8>) -> Int {
        var p = buffer
        if value.sign == .minus {
            p.pointee = UInt8(ascii: "-")
            p += 1
        }
        guard value != 0 else {
            p[0] = UInt8(ascii: "0")
            p[1] = UInt8(ascii: ".")
            p[2] = UInt8(ascii: "0")
            return buffer.distance(to: p + 3)
        }
        let (digits, exponent) = decimal(value.magnitude)
        // The digits into the end of a scratch area, two at a time from the last.
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)
        return withUnsafeMutableBytes(of: &scratch) { raw -> Int in
            let text = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            let end = 24
            var i = end
            var n = digits
            while n >= 100 {
                let q = n / 100
                i -= 2
                pair(Int(truncatingIfNeeded: n &- q &* 100), at: text + i)
                n = q
            }
            if n >= 10 {
                i -= 2
                pair(Int(truncatingIfNeeded: n), at: text + i)
            } else {
                i -= 1
                text[i] = UInt8(truncatingIfNeeded: n) &+ 48
            }
            let count = end - i
            let first = text + i
            // Where the point goes: value = 0.d1d2… × 10^point.
            let point = count + exponent
            if point < -3 || value.magnitude > 9_007_199_254_740_992 {
                // d.ddde±XX, as description: two exponent digits at least.
                p[0] = first[0]
                var j = 1
                if count > 1 {
                    p[1] = UInt8(ascii: ".")
                    copy(first + 1, to: p + 2, count: count - 1)
                    j = count + 1
                }
                let e = point - 1
                p[j] = UInt8(ascii: "e")
                p[j + 1] = e < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+")
                var magnitude = Int(e.magnitude)
                j += 2
                if magnitude >= 100 {
                    p[j] = UInt8(truncatingIfNeeded: magnitude / 100) &+ 48
                    magnitude %= 100
                    j += 1
                }
                pair(magnitude, at: p + j)
                return buffer.distance(to: p + j + 2)
            }
            if point <= 0 {
                // 0.000ddd
                p[0] = UInt8(ascii: "0")
                p[1] = UInt8(ascii: ".")
                for z in 0..<(-point) { p[2 + z] = UInt8(ascii: "0") }
                copy(first, to: p + 2 - point, count: count)
                return buffer.distance(to: p + 2 - point + count)
            }
            if point < count {
                // ddd.ddd
                copy(first, to: p, count: point)
                p[point] = UInt8(ascii: ".")
                copy(first + point, to: p + point + 1, count: count - point)
                return buffer.distance(to: p + count + 1)
            }
            // ddd000.0
            copy(first, to: p, count: count)
            for z in count..<point { p[z] = UInt8(ascii: "0") }
            p[point] = UInt8(ascii: ".")
            p[point + 1] = UInt8(ascii: "0")
            return buffer.distance(to: p + point + 2)
        }
    }

    /// The two digits of `n` (0...99) at `target`.
    @inline(__always)
    private static func pair(_ n: Int, at target: UnsafeMutablePointer<UInt8>) {
        let tens = (n &* 103) >> 10  // n / 10 for n < 100
        target[0] = UInt8(truncatingIfNeeded: tens) &+ 48
        target[1] = UInt8(truncatingIfNeeded: n &- tens &* 10) &+ 48
    }

    /// At most 17 bytes: a loop, not a call to memmove.
    @inline(__always)
    private static func copy(
        _ source: UnsafeMutablePointer<UInt8>, to target: UnsafeMutablePointer<UInt8>, count: Int
    ) {
        for k in 0..<count { target[k] = source[k] }
    }

    /// Writes `value` in decimal ("-42") into `buffer` (at least 20 bytes); returns the count.
    public static func write(_ value: Int, into buffer: UnsafeMutablePointer<UInt8>) -> Int {
        var magnitude = value.magnitude
        var digits = 0
        var probe = magnitude
        repeat {
            digits += 1
            probe /= 10
        } while probe != 0
        let sign = value < 0 ? 1 : 0
        if sign == 1 { buffer[0] = UInt8(ascii: "-") }
        var i = sign + digits
        repeat {
            i -= 1
            buffer[i] = UInt8(truncatingIfNeeded: magnitude % 10) &+ 48
            magnitude /= 10
        } while magnitude != 0
        return sign + digits
    }
}
