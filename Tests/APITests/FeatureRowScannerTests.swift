import Learning
import Testing

@testable import API

@Suite("The prediction shortcut: reads the common body straight into input order, or declines")
struct FeatureRowScannerTests {
    let scanner = FeatureRowScanner(inputNames: ["x", "y", "city"])

    func scan(_ text: String) -> [FeatureValue?]? { scanner.scan(Array(text.utf8)) }

    @Test("plain bodies in any key order, with white space, nulls and absent features")
    func accepted() {
        #expect(
            scan(#"{"features": {"x": 1.5, "y": -2, "city": "Oslo"}}"#) == [.number(1.5), .number(-2), .text("Oslo")])
        #expect(scan(" {\n\"features\" : { \"city\" : null , \"x\":1e3 } }\t") == [.number(1000), nil, .missing])
        #expect(scan(#"{"features": {}}"#) == [nil, nil, nil])
        #expect(scan(#"{"features": {"city": "Zürich"}}"#) == [nil, nil, .text("Zürich")])
    }

    @Test(
        "anything else is left to the general path",
        arguments: [
            #"{"features": {"x": 1}, "model": "m"}"#, #"{"model": "m", "features": {"x": 1}}"#,
            #"{"instances": [{"x": 1}]}"#, #"{"features": {"x": 1, "x": 2}}"#, #"{"features": {"z": 1}}"#,
            #"{"features": {"\u0078": 1}}"#, #"{"features": {"x": true}}"#, #"{"features": {"x": [1]}}"#,
            #"{"features": {"x": {"a": 1}}}"#, #"{"features": {"x": 1}} x"#, #"{"features": {"x": 1,}}"#,
            #"{"features": {"x": 1}"#, #"{"features": {"x": 1e400}}"#, #"{"features": {"city": "a\"b"}}"#,
            #"{"features": [1]}"#, #"{"features": {"x": 01}}"#, "", "[]", #"{"features": {"x" 1}}"#,
            #"{"features": {"city": "Oslo", "x": true}}"#, #"{"features": {"city": "Oslo", "city": "Rome"}}"#,
            // Keys that start like the name expected next, or stop short of it.
            #"{"features": {"xy": 1}}"#, #"{"features": {"x": 1, "y": 2, "cit": 3}}"#,
            #"{"features": {"x": 1, "y": 2, "cityx": 3}}"#, #"{"features": {"x": 1, "y"#, #"{"features": {"x:: 1}}"#,
        ])
    func declined(body: String) {
        #expect(scan(body) == nil)
    }

    /// A body that names its model first: the name is read, and the model's scanner reads
    /// the rest from where it left off; any other shape declines.
    @Test("a leading model name, then the features")
    func leadingModel() {
        func named(_ text: String) -> (String, [FeatureValue?]?)? {
            let body = Array(text.utf8)
            guard let (name, at) = FeatureRowScanner.leadingModel(body) else { return nil }
            return (name, scanner.scan(body, membersAt: at))
        }
        let plain = named(#"{"model": "click", "features": {"x": 1, "city": "Oslo"}}"#)
        #expect(plain?.0 == "click" && plain?.1 == [.number(1), nil, .text("Oslo")])
        let spaced = named(" { \"model\" :\"m-2.v\" ,\n \"features\":{\"y\":null} } ")
        #expect(spaced?.0 == "m-2.v" && spaced?.1 == [nil, .missing, nil])
        // Not a leading plain name: the general path reads these.
        for body in [
            #"{"model": 1, "features": {"x": 1}}"#, #"{"model": "cl\u0069ck", "features": {"x": 1}}"#,
            #"{"model": "click"}"#, #"{"features": {"x": 1}, "model": "click"}"#, #"{"mode": "click", "features": {}}"#,
            #"{"model": null, "features": {"x": 1}}"#,
        ] {
            #expect(FeatureRowScanner.leadingModel(Array(body.utf8)) == nil, "\(body)")
        }
        // A leading name, but the rest is not the features alone: the scanner declines.
        for body in [
            #"{"model": "click", "features": {"x": 1}, "n": 2}"#, #"{"model": "click", "model": "b", "features": {}}"#,
            #"{"model": "click", "instances": [{"x": 1}]}"#, #"{"model": "click", "features": {"x": 1}"#,
        ] {
            #expect(named(body).map { $0.1 == nil } == true, "\(body)")
        }
    }

    @Test("a string that is not UTF-8 is left to the general path (which names the offset)")
    func invalidUTF8() {
        let body = Array(#"{"features": {"city": ""#.utf8) + [0xFF] + Array(#""}}"#.utf8)
        #expect(scanner.scan(body) == nil)
    }

    @Test("names that are not their own JSON spelling, and an empty name")
    func unusualNames() {
        // A name with a quote is sent escaped: only the general path reads it.
        let quoted = FeatureRowScanner(inputNames: ["a\"b", "c"])
        #expect(quoted.scan(Array(#"{"features": {"a\"b": 1, "c": 2}}"#.utf8)) == nil)
        #expect(quoted.scan(Array(#"{"features": {"c": 2}}"#.utf8)) == [nil, .number(2)])
        let empty = FeatureRowScanner(inputNames: ["", "x"])
        #expect(empty.scan(Array(#"{"features": {"": 2, "x": 1}}"#.utf8)) == [.number(2), .number(1)])
        #expect(empty.scan(Array(#"{"features": {"x": 1, "": 2}}"#.utf8)) == [.number(2), .number(1)])
    }
}
