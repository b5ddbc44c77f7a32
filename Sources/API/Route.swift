import HTTPServer

/// One endpoint: how it is matched, whether it needs the admin token or may be slow, how
/// the OpenAPI document describes it, and what answers it.
struct Route: Sendable {
    let method: String
    /// Path segments; "{id}" matches one segment and is passed as a parameter.
    let pattern: [String]
    let summary: String
    let admin: Bool
    let slow: Bool
    /// OpenAPI fragments: request body schema and response description.
    let requestSchema: String?
    let responses: [Int: String]
    let handle: @Sendable (API, RouteContext) throws -> Reply

    /// "/models/{id}"
    let path: String
    /// "GET /models/{id}": the metrics label, built once.
    let label: String

    init(
        method: String, pattern: [String], summary: String, admin: Bool, slow: Bool, requestSchema: String?,
        responses: [Int: String], handle: @escaping @Sendable (API, RouteContext) throws -> Reply
    ) {
        self.method = method
        self.pattern = pattern
        self.summary = summary
        self.admin = admin
        self.slow = slow
        self.requestSchema = requestSchema
        self.responses = responses
        self.handle = handle
        path = "/" + pattern.joined(separator: "/")
        label = "\(method) \(path)"
    }

    func match(_ segments: [Substring]) -> [String: String]? {
        guard segments.count == pattern.count else { return nil }
        var parameters: [String: String] = [:]
        for (segment, part) in zip(segments, pattern) {
            if part.hasPrefix("{") {
                parameters[String(part.dropFirst().dropLast())] = String(segment)
            } else if segment != part {
                return nil
            }
        }
        return parameters
    }
}

/// What a route gets: the request, its path parameters and helpers.
struct RouteContext {
    let request: HTTPRequest
    let parameters: [String: String]
    let requestID: String

    /// The body as a JSON value; malformed JSON is a 400 naming the byte offset.
    func json() throws -> JSONValue {
        guard !request.body.isEmpty else { throw APIError(400, "empty_body", "the request body is empty; send JSON") }
        do {
            return try JSONReader.parse(request.body)
        } catch let error as JSONParseError {
            throw APIError.badJSON(error)
        }
    }
}

/// A route's answer, and which model answered (for the request log).
struct Reply {
    var status = 200
    var contentType = "application/json"
    var body: [UInt8]
    var modelID: Int64?
    var headers: [(String, String)] = []

    static func json(_ writer: JSONWriter, status: Int = 200, modelID: Int64? = nil) -> Reply {
        Reply(status: status, body: writer.bytes, modelID: modelID)
    }
}
