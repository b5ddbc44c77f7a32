import API
import Foundation
import Testing

@Suite("JSON reader and writer")
struct JSONReaderTests {
    func parse(_ text: String) throws -> JSONValue { try JSONReader.parse(Array(text.utf8)) }

    @Test("values, escapes, surrogate pairs and exact numbers")
    func values() throws {
        let value = try parse(
            #" {"a": [1, -2.5e3, true, false, null], "s": "q\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00", "n": 0.1} "#)
        #expect(value["a"] == .array([.number(1), .number(-2500), .bool(true), .bool(false), .null]))
        #expect(value["s"] == .string("q\"\\/\u{8}\u{c}\n\r\té😀"))
        #expect(value["n"] == .number(0.1))
    }

    @Test(
        "errors name the byte offset",
        arguments: [
            ("{\"a\": 1,}", 8), ("[1 2]", 3), ("{\"a\" 1}", 5), ("\"abc", 4), ("01", 1), ("tru", 0),
            ("{\"a\": \"\u{01}\"}", 7),
            ("[1]x", 3), ("", 0), ("-", 1), ("1.", 2), ("\"\\x\"", 2), ("\"\\ud800\"", 7),
        ])
    func errors(text: String, offset: Int) {
        let error = #expect(throws: JSONParseError.self) { try parse(text) }
        #expect(error?.offset == offset, "\(text.debugDescription): \(error?.message ?? "") at \(error?.offset ?? -1)")
    }

    /// Strings are checked as UTF-8 without `String(validating:)`: every kind of invalid
    /// sequence, in a plain string and in one with an escape, is refused at the string's start,
    /// and valid multi-byte text (at lengths on both sides of an eight-byte word) is kept.
    @Test("invalid UTF-8 in a string is refused; valid text of any length is kept")
    func utf8() throws {
        let invalid: [[UInt8]] = [
            [0x80], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xFF],
            [0xF4, 0x90, 0x80, 0x80], [0xC3],
        ]
        for bytes in invalid {
            for padding in [0, 3, 9] {
                for escaped in [false, true] {
                    let prefix = Array(repeating: UInt8(ascii: "a"), count: padding) + (escaped ? Array(#"\n"#.utf8) : [])
                    let body = Array(#"{"k": ""#.utf8) + prefix + bytes + Array(#""}"#.utf8)
                    let error = #expect(throws: JSONParseError.self) { try JSONReader.parse(body) }
                    #expect(error?.message == "string is not valid UTF-8" && error?.offset == 7, "\(bytes) \(padding)")
                }
            }
        }
        for text in ["é", "日本語テキスト", "a😀b", "plain ascii, longer than a word", "ü" + String(repeating: "x", count: 8)] {
            #expect(try parse("{\"k\": \"\(text)\"}")["k"] == .string(text))
            #expect(try parse("{\"k\": \"\\t\(text)\"}")["k"] == .string("\t" + text))
        }
    }

    /// A repeated key is refused wherever it falls: among the first members (compared one
    /// by one) and past sixteen (looked up in a set).
    @Test("a repeated key is refused among few members and among many")
    func repeatedKeys() throws {
        for count in [2, 15, 16, 17, 40] {
            let keys = (0..<count).map { "key\($0)" }
            let distinct = "{" + keys.map { "\"\($0)\": 1" }.joined(separator: ", ") + "}"
            guard case .object(let members) = try parse(distinct) else {
                Issue.record("not an object")
                continue
            }
            #expect(members.map(\.0) == keys)
            for repeated in [0, count / 2, count - 1] {
                let body = String(distinct.dropLast()) + ", \"key\(repeated)\": 2}"
                let error = #expect(throws: JSONParseError.self) { try parse(body) }
                #expect(error?.message.hasPrefix("duplicate key \"key\(repeated)\"") == true, "\(count) \(repeated)")
            }
        }
    }

    @Test("deep nesting is refused, not a stack overflow")
    func depth() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let error = #expect(throws: JSONParseError.self) { try parse(deep) }
        #expect(error?.message.contains("nested deeper than 64 levels") == true)
    }

    @Test("the writer escapes and round-trips through the reader")
    func writer() throws {
        var json = JSONWriter()
        json.beginObject()
        json.key("text")
        json.value("a\"b\\c\nd\u{1}é")
        json.key("numbers")
        json.beginArray()
        json.value(0.1)
        json.value(3.0)
        json.value(-1e300)
        json.value(Double.nan)
        json.endArray()
        json.key("flag")
        json.value(true)
        json.endObject()
        let back = try JSONReader.parse(json.bytes)
        #expect(back["text"] == .string("a\"b\\c\nd\u{1}é"))
        #expect(back["numbers"] == .array([.number(0.1), .number(3), .number(-1e300), .null]))
        #expect(back["flag"] == .bool(true))
    }

    /// Commas at every depth: each level an object with a member before and after the nested
    /// one, and an empty container among members.
    @Test("the writer separates members at any depth")
    func deepWriting() {
        for depth in [1, 63, 64, 65, 130, 200] {
            var json = JSONWriter()
            var expected = ""
            for _ in 0..<depth {
                json.beginObject()
                json.key("a")
                json.value(1)
                json.key("b")
                expected += #"{"a":1,"b":"#
            }
            json.beginArray()
            json.value(1)
            json.beginArray()
            json.endArray()
            json.value(2)
            json.endArray()
            expected += "[1,[],2]"
            for _ in 0..<depth {
                json.key("c")
                json.value(3)
                json.endObject()
                expected += #","c":3}"#
            }
            #expect(String(decoding: json.bytes, as: UTF8.self) == expected, "depth \(depth)")
        }
    }
}
