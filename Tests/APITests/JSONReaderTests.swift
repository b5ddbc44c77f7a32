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
