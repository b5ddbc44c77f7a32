import Foundation
import HTTPServer

/// One endpoint, as the frozen responder holds it: how it is matched, who may call it, where
/// it runs, how it is described, and what answers it. A class: a request carries its route
/// through several calls, and copying a struct of ten references retained each of them.
final class Route: Sendable {
    let method: String
    /// Path segments; "{id}" matches one segment and is passed as a parameter.
    let pattern: [String]
    /// "/models/{id}"
    let path: String
    /// "GET /models/{id}": the metrics label and the lane's name, built once.
    let label: String
    let admin: Bool
    /// Whether it answers from memory on the event loop; otherwise a worker thread runs it.
    let onLoop: Bool
    /// Where it waits for a worker (every route has one: a loop route that finds it needs the
    /// database after all moves there, see `OffLoop`).
    let lane: WorkLane
    let description: RouteDescription
    let handle: @Sendable (Services, RouteContext) throws -> Reply

    init(
        method: String, pattern: [String], path: String, label: String, admin: Bool, onLoop: Bool, lane: WorkLane,
        description: RouteDescription, handle: @escaping @Sendable (Services, RouteContext) throws -> Reply
    ) {
        self.method = method
        self.pattern = pattern
        self.path = path
        self.label = label
        self.admin = admin
        self.onLoop = onLoop
        self.lane = lane
        self.description = description
        self.handle = handle
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

    var hasParameters: Bool { pattern.contains { $0.hasPrefix("{") } }
}

/// Thrown by a route running on the loop that finds it needs what only a worker may do (a
/// model version not in memory yet must be read from the database): the responder runs the
/// request again on the route's lane.
struct OffLoop: Error {}

/// A request found, timed and numbered on its way to an answer, and what its route gets:
/// the request, its path parameters and helpers. A struct that lives on the dispatching
/// stack and is passed borrowed: routes and the closures in them read it in place. Only
/// work that moves off the loop holds a copy (as a class it was an allocation, a free and
/// a dozen reference counts every request).
struct RouteContext: Sendable {
    let request: HTTPRequest
    /// nil: no route matched (`allowed` lists the methods the path has, if any).
    let route: Route?
    let parameters: [String: String]
    let allowed: [String]
    let requestID: String
    /// When it was found (monotonic seconds), and received (wall clock, for the log).
    let start: Double
    let receivedAt: Date
    let token: AdminToken
    /// Every route's description, for the routes that document the API.
    let routes: [RouteDescription.Entry]
    /// Whether this run is on an event loop (where `OffLoop` must be thrown instead of
    /// waiting): a loop run that moves off the loop runs again on a worker, in a copy that
    /// says so.
    private(set) var onLoop: Bool

    init(
        request: consuming HTTPRequest, route: Route?, parameters: [String: String], allowed: [String],
        requestID: String, start: Double, receivedAt: Date, token: AdminToken, routes: [RouteDescription.Entry],
        onLoop: Bool
    ) {
        self.request = request
        self.route = route
        self.parameters = parameters
        self.allowed = allowed
        self.requestID = requestID
        self.start = start
        self.receivedAt = receivedAt
        self.token = token
        self.routes = routes
        self.onLoop = onLoop
    }

    /// The same request, run off the loop.
    var offLoop: RouteContext {
        var copy = self
        copy.onLoop = false
        return copy
    }

    /// Whether the request carries the valid admin token (for routes that show admins more).
    var isAdmin: Bool { token.isAdmin(request) }

    /// The body as a JSON value; malformed JSON is a 400 naming the byte offset.
    func json() throws -> JSONValue {
        guard !request.body.isEmpty else { throw APIError(400, "empty_body", "the request body is empty; send JSON") }
        do {
            return try JSONReader.parse(request.body)
        } catch let error as JSONParseError {
            throw APIError.badJSON(error)
        }
    }

    /// A path parameter that must be a positive integer id (anything else: no such thing).
    func id(_ name: String, of what: String) throws -> Int64 {
        guard let id = Int64(parameters[name] ?? ""), id > 0 else {
            throw APIError.notFound("no \(what) with id \(parameters[name] ?? "")")
        }
        return id
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

    static func html(_ text: String) -> Reply {
        Reply(contentType: "text/html; charset=utf-8", body: Array(text.utf8))
    }
}
