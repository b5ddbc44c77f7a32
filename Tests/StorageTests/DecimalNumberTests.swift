import Foundation
import Storage
import Testing

/// The decimal parser against the C library's correctly rounded `strtod`, bit for bit, on
/// millions of random and adversarial inputs.
@Suite("Decimal numbers")
struct DecimalNumberTests {
    static func parse(_ text: String) -> Double? { DecimalNumber.parse(text) }

    static func reference(_ text: String) -> Double? {
        let value = strtod(text, nil)
        return value.isFinite ? value : nil
    }

    static func same(_ a: Double?, _ b: Double?) -> Bool { a?.bitPattern == b?.bitPattern }

    /// Every finite double printed shortest (Swift's description, which round-trips) reads
    /// back as exactly itself: a million random bit patterns, subnormals and extremes included.
    @Test func shortestPrintsRoundTrip() {
        var generator = SystemRandomNumberGenerator()
        var failures: [String] = []
        var checked = 0
        while checked < 1_000_000 {
            let value = Double(bitPattern: generator.next())
            guard value.isFinite else { continue }
            checked += 1
            let text = "\(value)"
            if !Self.same(Self.parse(text), value) && failures.count < 5 { failures.append(text) }
        }
        for value in [
            Double.leastNonzeroMagnitude, -Double.leastNonzeroMagnitude, Double.leastNormalMagnitude,
            Double.greatestFiniteMagnitude, -Double.greatestFiniteMagnitude, 0.1, 0.2, 0.3, 1 / 3.0, 2e-308,
            9_007_199_254_740_992, 1e23, 123_456_789_012_345_680,
        ] where !Self.same(Self.parse("\(value)"), value) {
            failures.append("\(value)")
        }
        #expect(failures.isEmpty, "\(failures)")
    }

    /// A million random decimal strings: 1 to 25 significant digits (past 19 the fast path
    /// must hand over), a point anywhere, exponents from -360 to 360 (overflow, underflow,
    /// subnormals), as strtod reads them.
    @Test func randomDecimalsAsStrtod() {
        var generator = SplitMix(seed: 20_261_201)
        var failures: [String] = []
        for _ in 0..<1_000_000 {
            let count = 1 + Int(generator.next() % 25)
            var digits = (0..<count).map { _ in Character(String(generator.next() % 10)) }
            if generator.next() % 4 == 0 { digits.insert(".", at: Int(generator.next() % UInt64(count + 1))) }
            var text = (generator.next() % 2 == 0 ? "-" : "") + String(digits)
            if generator.next() % 3 != 0 {
                let exponent = Int(generator.next() % 721) - 360
                text += (generator.next() % 2 == 0 ? "e" : "E") + String(exponent)
            }
            if text == "-." || text == "." { continue }
            if !Self.same(Self.parse(text), Self.reference(text)) && failures.count < 5 { failures.append(text) }
        }
        #expect(failures.isEmpty, "\(failures)")
    }

    /// 17 significant digits of random doubles (strtod's own round trip) and the classic hard
    /// cases: halfway points, the subnormal boundary, 2^53 + 1, long runs of 9s and 0s.
    @Test func hardCasesAsStrtod() {
        var generator = SplitMix(seed: 7)
        var cases = [
            "9007199254740993", "9007199254740992", "9007199254740994", "9007199254740995",
            "2.2250738585072011e-308", "2.2250738585072012e-308", "2.2250738585072014e-308",
            "4.9406564584124654e-324", "2.4703282292062327e-324", "2.4703282292062328e-324",
            "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308", "1e308", "1e309",
            "179769313486231580793728971405301e276", "8.98846567431158e307", "1e23", "8.589973e9",
            "0.1", "0.30000000000000004", "1e-22", "1e22", "1e-23", "4503599627370497.5", "4503599627370496.5",
            "123e30", "9007199254740993e22", "1e37", "1e38", "99999999999999999999999999999999",
            "0.000000000000000000000000000000000000000000001", "-0", "-0.0", "0e999", "1e-400", "00000000001",
            "1." + String(repeating: "0", count: 400) + "1", String(repeating: "9", count: 800),
            "7.2057594037927933e16", "3.0517578125e-5", "1448997445238699", "6.631236846766476e-316",
            "3.2378839133029012e+106", "6.9294956446009195e15", "1.0000000000000002", "0.9999999999999999",
        ]
        for _ in 0..<200_000 {
            var value = Double(bitPattern: generator.next())
            while !value.isFinite { value = Double(bitPattern: generator.next()) }
            cases.append(String(format: "%.17g", value))
            cases.append(String(format: "%.15e", value))
        }
        var failures: [String] = []
        for text in cases where !Self.same(Self.parse(text), Self.reference(text)) {
            if failures.count < 5 { failures.append(text) }
        }
        #expect(failures.isEmpty, "\(failures)")
        #expect(Self.parse("-0")?.sign == .minus)
    }

    @Test func grammar() {
        for bad in [
            "", "-", "+", ".", "-.", "e5", "1e", "1e+", "1.2.3", " 1", "1 ", "inf", "nan", "0x10", "1_000", "1,5",
            "--1", "1e5e5",
        ] {
            #expect(Self.parse(bad) == nil, "\(bad)")
        }
        for (text, value) in [("+1", 1.0), (".5", 0.5), ("5.", 5), ("1E3", 1000), ("1e+3", 1000), ("-2.5e-3", -0.0025)]
        {
            #expect(Self.parse(text) == value, "\(text)")
        }
        #expect((0...100_000).allSatisfy { Self.parse(String($0)) == Double($0) })
    }

    /// JSON's stricter grammar, read and converted in one pass: every text RFC 8259's number
    /// pattern accepts (checked with a regular expression, not with our code) reads whole, as
    /// strtod rounds it; every other text is invalid or stops before its end ("01" reads 0).
    @Test func jsonNumbersAsStrtodAndTheGrammar() throws {
        let pattern = try NSRegularExpression(pattern: "^-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?$")
        var generator = SplitMix(seed: 8_259)
        var texts = [
            "0", "-0", "0.0", "01", "-01", "1.", ".5", "+1", "1e", "1e+", "-", "--1", "1E3", "1e+3", "-2.5e-3",
            "0e999", "1e309", "-1e309", "1e-400", "4.9406564584124654e-324", "9007199254740993", "123e30",
            "1.7976931348623159e308", String(repeating: "9", count: 800), "0.1e", "1.5E-", "00", "-0.000e-0",
        ]
        for _ in 0..<300_000 {
            var value = Double(bitPattern: generator.next())
            while !value.isFinite { value = Double(bitPattern: generator.next()) }
            texts.append("\(value)")
            texts.append(String(format: "%.17g", value))
            let count = 1 + Int(generator.next() % 25)
            var digits = String((0..<count).map { _ in Character(String(generator.next() % 10)) })
            if generator.next() % 3 == 0 {
                digits.insert(".", at: digits.index(digits.startIndex, offsetBy: Int(generator.next() % UInt64(count))))
            }
            if generator.next() % 2 == 0 { digits += "e" + String(Int(generator.next() % 721) - 360) }
            texts.append((generator.next() % 2 == 0 ? "-" : "") + digits)
        }
        var failures: [String] = []
        var valid = 0
        for text in texts {
            let bytes = Array(text.utf8)
            var position = 0
            let result = bytes.withUnsafeBufferPointer { DecimalNumber.parseJSON($0, at: &position) }
            let isJSON = pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
            let ok: Bool
            if isJSON {
                valid += 1
                let expected = Self.reference(text).map(DecimalNumber.JSONNumber.value) ?? .outOfRange
                if case .value(let a) = result, case .value(let b) = expected {
                    ok = a.bitPattern == b.bitPattern && position == bytes.count
                } else {
                    ok = result == expected && position == bytes.count
                }
            } else {
                ok = result == .invalid || position < bytes.count
            }
            if !ok && failures.count < 5 { failures.append("\(text) → \(result) at \(position)") }
        }
        #expect(failures.isEmpty, "\(failures)")
        #expect(valid > 600_000)
    }
}
