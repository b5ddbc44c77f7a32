import API
import HTTPServer
import TestSupport

/// Drives the API's frozen responder directly, without a socket: the same routes, errors,
/// metrics and request log as over HTTP, in the calling thread (as Hummingbird's
/// `Application.test(.router)`). The socket tests keep the wire honest; this keeps the rest
/// quick and free of ports.
struct InProcessClient {
    let api: API
    var remoteAddress = "127.0.0.1"

    /// Throws nothing; declared `throws` so tests read the same as with `TestClient`.
    func request(
        _ method: String, _ path: String, body: String? = nil, headers: [String: String] = [:]
    ) throws -> TestClient.Response {
        var fields: [(name: String, value: String)] = [("Host", "test")]
        fields += headers.map { (name: $0.key, value: $0.value) }
        if body != nil { fields.append(("Content-Type", "application/json")) }
        let request = HTTPRequest(
            method: method, target: path, headers: fields, body: Array((body ?? "").utf8),
            remoteAddress: remoteAddress)
        let response = api.respond(to: request)
        var names: [String: String] = [:]
        for header in response.headers { names[header.name.lowercased()] = header.value }
        return TestClient.Response(
            status: response.status, headers: names, body: String(decoding: response.body, as: UTF8.self))
    }
}
