import HTTPServer

/// An error that knows its HTTP status and renders itself as
/// `{"error": {"code": ..., "message": ..., "details": ...}}`.
public struct APIError: Error, Sendable {
    public let status: Int
    public let code: String
    public let message: String
    /// Per-field problems (feature name -> what is wrong).
    public var details: [String: String] = [:]

    public init(_ status: Int, _ code: String, _ message: String, details: [String: String] = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
    }

    var body: [UInt8] {
        var json = JSONWriter()
        json.beginObject()
        json.key("error")
        json.beginObject()
        json.key("code")
        json.value(code)
        json.key("message")
        json.value(message)
        if !details.isEmpty {
            json.key("details")
            json.beginObject()
            for key in details.keys.sorted() {
                json.key(key)
                json.value(details[key]!)
            }
            json.endObject()
        }
        json.endObject()
        json.endObject()
        return json.bytes
    }

    static func badJSON(_ error: JSONParseError) -> APIError {
        APIError(400, "malformed_json", "the body is not valid JSON: \(error.message) at byte \(error.offset)")
    }

    /// Problems by field, as one sentence: "features.apr: must be a number; model: ...".
    static func describe(_ problems: [String: String]) -> String {
        problems.keys.sorted().map { "\($0): \(problems[$0]!)" }.joined(separator: "; ")
    }

    static func notFound(_ message: String) -> APIError { APIError(404, "not_found", message) }
}
