import Learning
import Testing

@testable import API

@Suite("The /similar shortcut: reads the common body without the JSON tree, or declines")
struct SimilarQueryTests {
    func general(_ text: String) throws -> SimilarQuery {
        try SimilarQuery(json: JSONReader.parse(Array(text.utf8)))
    }

    @Test(
        "common bodies are read as the general path reads them",
        arguments: [
            #"{"model": "gems", "n": 5, "features": {"carat": 0.9, "cut": "Ideal", "color": "G", "clarity": "VS2"}}"#,
            #"{"features": {"carat": 0.9, "cut": "Ideal"}, "n": 3, "model": "gems"}"#,
            #"{"features": {"carat": -1.5e-3, "cut": null, "sold": true, "new": false}}"#,
            " {\n\"n\" : 100 , \"features\" : { \"cut\" : \"Très bien\" } }\t",
            #"{"features": {}}"#, #"{"n": 1.0, "features": {"carat": 2}}"#,
        ])
    func accepted(_ body: String) throws {
        let scanned = try #require(SimilarQuery.scan(Array(body.utf8)))
        #expect(scanned == (try general(body)))
    }

    @Test("the values it reads")
    func values() throws {
        let query = try #require(
            SimilarQuery.scan(Array(#"{"model": "gems", "n": 7, "features": {"carat": 0.9, "cut": "Ideal", "x": null, "b": true}}"#.utf8)))
        #expect(query.modelName == "gems")
        #expect(query.n == 7)
        #expect(query.modelID == nil)
        #expect(query.features == ["carat": .number(0.9), "cut": .text("Ideal"), "x": .missing, "b": .text("true")])
        #expect(SimilarQuery.scan(Array(#"{"features": {"carat": 1}}"#.utf8))?.n == 5)
    }

    @Test(
        "anything else is left to the general path, which answers or refuses it",
        arguments: [
            #"{"model_id": 3, "features": {"carat": 1}}"#, #"{"n": 5}"#, #"{"n": 0, "features": {}}"#,
            #"{"n": 2.5, "features": {}}"#, #"{"n": 101, "features": {}}"#, #"{"n": "5", "features": {}}"#,
            #"{"features": {"carat": 1}, "features": {"carat": 2}}"#, #"{"features": {"cut": "a", "cut": "b"}}"#,
            #"{"features": {"c\u0075t": "Ideal"}}"#, #"{"features": {"cut": "Id\"eal"}}"#,
            #"{"features": {"carat": [1]}}"#, #"{"features": {"carat": {"a": 1}}}"#, #"{"features": [1]}"#,
            #"{"features": {"carat": 1}} x"#, #"{"features": {"carat": 1},}"#, #"{"features": {"carat": 1}"#,
            #"{"features": {"carat": 1e400}}"#, #"{"features": {"carat": 01}}"#, #"{"model": 3, "features": {}}"#,
            #"{"other": 1, "features": {}}"#, "", "[]", "{}", #"{"features": {"carat" 1}}"#,
        ])
    func declined(_ body: String) throws {
        #expect(SimilarQuery.scan(Array(body.utf8)) == nil)
    }

    @Test("a name or value that is not UTF-8 is left to the general path")
    func invalidUTF8() {
        let value = Array(#"{"features": {"cut": "Id"#.utf8) + [0xFF] + Array(#"eal"}}"#.utf8)
        let name = Array(#"{"features": {"c"#.utf8) + [0xC3] + Array(#"": 1}}"#.utf8)
        let model = Array(#"{"model": "g"#.utf8) + [0xFE] + Array(#"", "features": {}}"#.utf8)
        for body in [value, name, model] { #expect(SimilarQuery.scan(body) == nil) }
    }

    @Test("what the general path refuses, it refuses with a reason")
    func generalRefusals() {
        for body in [#"{"n": 0, "features": {}}"#, #"{"n": 5}"#, #"{"features": {"carat": [1]}}"#, #"{"other": 1, "features": {}}"#] {
            #expect(throws: APIError.self, "\(body)") { try general(body) }
        }
    }
}
