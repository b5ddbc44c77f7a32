import Foundation
import Storage
import Testing

/// The shortest-decimal formatter against two independent references: Swift's own
/// `description` (the standard library's shortest, correctly rounded printer, whose
/// spelling the answers kept) byte for byte, and the C library's `strtod`, which must read
/// every text back as exactly the double it came from.
@Suite("Shortest decimals")
struct ShortestDecimalTests {
    static func written(_ value: Double) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: ShortestDecimal.maximumLength) { buffer in
            let count = ShortestDecimal.write(value, into: buffer.baseAddress!)
            return String(decoding: UnsafeBufferPointer(start: buffer.baseAddress, count: count), as: UTF8.self)
        }
    }

    /// Why `value` is misprinted, or nil when it is right.
    static func problem(_ value: Double) -> String? {
        let text = written(value)
        if text != value.description { return "\(value.bitPattern): \(text), description \(value.description)" }
        if strtod(text, nil).bitPattern != value.bitPattern { return "\(value.bitPattern): \(text) reads back otherwise" }
        return nil
    }

    static func check(_ values: some Sequence<Double>) -> [String] {
        var failures: [String] = []
        for value in values where value.isFinite {
            if let problem = problem(value) {
                failures.append(problem)
                if failures.count >= 5 { break }
            }
        }
        return failures
    }

    /// Two million random bit patterns: every exponent, subnormals, both signs.
    @Test func randomDoubles() {
        var generator = SystemRandomNumberGenerator()
        let failures = Self.check((0..<2_000_000).lazy.map { _ in Double(bitPattern: generator.next()) })
        #expect(failures.isEmpty, "\(failures)")
    }

    /// Values as models answer them: probabilities and scores of a few magnitudes.
    @Test func everydayValues() {
        var generator = SystemRandomNumberGenerator()
        let failures = Self.check(
            (0..<500_000).lazy.map { i in
                Double.random(in: 0...1, using: &generator) * [1, 1e-3, 10, 1e4, 1e9][i % 5]
            })
        #expect(failures.isEmpty, "\(failures)")
    }

    /// Where the algorithm has special cases: every power of two (the lower neighbour is
    /// nearer) and the largest significand of every binade, the subnormal range, the
    /// extremes, decimals with few digits at every exponent, and the switches between
    /// "0.0001" and "1e-05" and between "9007199254740992.0" and "1.8014398509481984e+16".
    @Test func edges() {
        var values: [Double] = [
            .leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude,
            Double.leastNormalMagnitude.nextDown, 0, -0.0, 1, -1, 0.1, 0.2, 0.3, 1 / 3.0, 2 / 3.0, 1e23, 2.2250738585072014e-308,
            9_007_199_254_740_992, 9_007_199_254_740_994, 18_014_398_509_481_984, 1e15, 1e16, 1.5e16,
            0.0001, 0.0001.nextDown, 0.0001.nextUp, 0.000099999, 1e-5, 123_456_789_012_345_680,
        ]
        for exponent in 0..<2047 {
            let bits = UInt64(exponent) << 52
            values += [Double(bitPattern: bits), Double(bitPattern: bits | (1 << 52 - 1)), Double(bitPattern: bits | 1)]
        }
        for fraction in 1..<5000 { values.append(Double(bitPattern: UInt64(fraction))) }
        for exponent in -324...308 {
            for digits in [1.0, 2, 5, 9, 1.5, 9.999, 4.35, 1.7976931348623157] {
                values.append(digits * pow(10, Double(exponent)))
            }
        }
        for value in Array(values) { values += [-value, value.nextUp, value.nextDown] }
        let failures = Self.check(values)
        #expect(failures.isEmpty, "\(failures)")
    }

    /// The digits and exponent themselves: shortest and without trailing zeros.
    @Test func decimalParts() {
        #expect(ShortestDecimal.decimal(0.1) == (1, -1))
        #expect(ShortestDecimal.decimal(100) == (1, 2))
        #expect(ShortestDecimal.decimal(.leastNonzeroMagnitude) == (5, -324))
        #expect(ShortestDecimal.decimal(1.7976931348623157e308) == (17_976_931_348_623_157, 292))
        // Schubfach's own answer here ends in four zeros.
        #expect(ShortestDecimal.decimal(1.94906280228e289) == (194_906_280_228, 278))
    }

    /// Integers as `String(_:)` writes them.
    @Test func integers() {
        var generator = SystemRandomNumberGenerator()
        var values = [0, 1, -1, 9, 10, 99, 100, Int.max, Int.min, Int.max - 1, Int.min + 1]
        for power in 0..<19 {
            let p = Int(pow(10, Double(power)))
            values += [p, p - 1, p + 1, -p, -p + 1]
        }
        for _ in 0..<100_000 { values.append(Int(truncatingIfNeeded: generator.next()) >> Int.random(in: 0..<63)) }
        let failures = values.filter { value in
            let text = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
                let count = ShortestDecimal.write(value, into: buffer.baseAddress!)
                return String(decoding: UnsafeBufferPointer(start: buffer.baseAddress, count: count), as: UTF8.self)
            }
            return text != String(value)
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
    }
}
