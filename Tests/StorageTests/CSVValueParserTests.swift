import Foundation
import TestSupport
import Testing

@testable import Storage

@Suite("CSV value parsing")
struct CSVValueParserTests {
    func parse<T>(_ text: String, _ parser: (UnsafeRawBufferPointer) -> T?) -> T? {
        var bytes = Array(text.utf8)
        bytes.append(0)  // as in the reader's storage
        return bytes.withUnsafeBytes { parser(UnsafeRawBufferPointer(rebasing: $0.dropLast())) }
    }

    @Test("doubles parse exactly as strtod does, on the fast path and off it")
    func doublesMatchStrtod() {
        var generator = SystemRandomNumberGenerator()
        var texts = [
            "0", "-0", "0.1", ".5", "5.", "+3.25", "1e22", "1e23", "123456789012345", "1234567890123456789",
            "12345678901234567890", "9007199254740993", "0.30000000000000004", "2.2250738585072014e-308",
            "1.7976931348623157e308", "4.9e-324", "1e-400", "-123.456e-7", "0000.0001",
        ]
        for _ in 0..<20_000 {
            let digits = Int.random(in: 1...20, using: &generator)
            var text = String((0..<digits).map { _ in Character(String(Int.random(in: 0...9, using: &generator))) })
            if Bool.random(using: &generator) {
                let point = Int.random(in: 0...text.count, using: &generator)
                text.insert(".", at: text.index(text.startIndex, offsetBy: point))
            }
            if Bool.random(using: &generator) { text = "-" + text }
            if Int.random(in: 0..<4, using: &generator) == 0 {
                text += "e\(Int.random(in: -30...30, using: &generator))"
            }
            texts.append(text)
        }
        for text in texts {
            let expected = strtod(text, nil)
            let got = parse(text, CSVValueParser.double)
            if expected.isFinite {
                #expect(got?.bitPattern == expected.bitPattern, "\(text): \(String(describing: got)) vs \(expected)")
            } else {
                #expect(got == nil, "\(text)")
            }
        }
    }

    @Test(
        "what is not a plain decimal number is not a double",
        arguments: [
            "", "-", ".", "e5", "1e", "1e+", "0x10", "inf", "nan", "1 ", " 1", "1,5", "1.2.3", "--1", "1e5.5",
        ])
    func notDoubles(text: String) {
        #expect(parse(text, CSVValueParser.double) == nil)
    }

    @Test("integers must fit in 64 bits")
    func integers() {
        #expect(parse("9223372036854775807", CSVValueParser.integer) == Int64.max)
        #expect(parse("-9223372036854775808", CSVValueParser.integer) == Int64.min)
        #expect(parse("9223372036854775808", CSVValueParser.integer) == nil)
        #expect(parse("+42", CSVValueParser.integer) == 42)
        #expect(parse("4.0", CSVValueParser.integer) == nil)
        #expect(parse("-", CSVValueParser.integer) == nil)
    }

    @Test("booleans are true/false/t/f in any case")
    func booleans() {
        #expect(["true", "TRUE", "t", "T"].allSatisfy { parse($0, CSVValueParser.boolean) == true })
        #expect(["false", "False", "f", "F"].allSatisfy { parse($0, CSVValueParser.boolean) == false })
        #expect(["yes", "1", "tru", ""].allSatisfy { parse($0, CSVValueParser.boolean) == nil })
    }
}
