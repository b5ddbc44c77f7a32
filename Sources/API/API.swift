import Foundation
public import HTTPServer
import Learning
import Registry
public import Storage
import Synchronization

/// Settings of the HTTP API.
public struct APIConfiguration: Sendable {
    /// Bearer token for admin routes (assign, train, the request log).
    public var adminToken: String
    /// Most rows one /predict call may carry.
    public var maxInstances = 1_000
    /// The model /predict and /models/current use when the request names none and several
    /// names are in production.
    public var defaultModel: String?
    /// Longest request or response body stored in the request log.
    public var maxLoggedBody = 64 * 1024
    /// Where `POST /models/train` runs training queries (nil: the registry's database).
    public var trainingDatabase: (any Database)?
    /// Seconds a training query sent over HTTP may run.
    public var trainingTimeout = 60.0
    /// Where details of failures go that the client is not told (the server's log).
    public var onError: @Sendable (String) -> Void = { _ in }

    /// The shortest admin token accepted: shorter ones are guessable.
    public static let minimumTokenLength = 16

    public init(adminToken: String) {
        self.adminToken = adminToken
    }
}

/// The HTTP API: routes requests to the registry and the in-memory production models,
/// renders JSON and errors, checks the admin token, counts metrics and logs every request.
public final class API: HTTPHandler {
    let configuration: APIConfiguration
    let database: any Database
    let registry: ModelRegistry
    let store: ModelStore
    let log: RequestLog
    let metrics = Metrics()
    let started = Date()
    let routes = API.makeRoutes()
    /// Routes without parameters by path: most requests are found with one lookup.
    private let staticRoutes: [String: [Route]]
    private let requestIDs = RequestIDs()

    public init(configuration: APIConfiguration, database: any Database, store: ModelStore, log: RequestLog) {
        self.configuration = configuration
        self.database = database
        self.registry = ModelRegistry(database)
        self.store = store
        self.log = log
        staticRoutes = Dictionary(grouping: routes.filter { !$0.pattern.contains { $0.hasPrefix("{") } }, by: \.path)
    }

    /// The method and path pattern of every route, for documentation and its test.
    public var routeTable: [(method: String, path: String, admin: Bool)] {
        routes.map { ($0.method, $0.path, $0.admin) }
    }

    /// Routes that touch the database (or train) run off the event loops, so a slow query
    /// or an unreachable database never stalls other connections. /predict answers from
    /// memory and is checked first, without a route match.
    public func isSlow(_ request: HTTPRequest) -> Bool {
        if request.method == "POST" && request.path == "/predict" { return false }
        return findRoute(request).route?.slow ?? false
    }

    public func respond(to request: HTTPRequest) -> HTTPResponse {
        let start = Monotonic.seconds()
        let receivedAt = Date()
        let requestID = requestIDs.next()
        let (route, parameters, allowed) = findRoute(request)
        var reply: Reply
        do {
            guard let route, let parameters else {
                if !allowed.isEmpty {
                    throw APIError(
                        405, "method_not_allowed",
                        "\(request.method) is not allowed on \(request.path); use \(allowed.joined(separator: ", "))")
                }
                throw APIError.notFound("no route \(request.method) \(request.path); see GET /docs")
            }
            if route.admin { try authorize(request) }
            reply = try route.handle(self, RouteContext(request: request, parameters: parameters, requestID: requestID))
            if !allowed.isEmpty { reply.headers.append(("Allow", allowed.joined(separator: ", "))) }
        } catch {
            reply = errorReply(error, requestID: requestID, admin: route?.admin ?? false)
            if !allowed.isEmpty && reply.status == 405 {
                reply.headers.append(("Allow", allowed.joined(separator: ", ")))
            }
        }
        var headers: [(name: String, value: String)] = [
            ("Content-Type", reply.contentType), ("X-Request-Id", requestID),
        ]
        headers += reply.headers.map { (name: $0.0, value: $0.1) }
        let response = HTTPResponse(status: reply.status, headers: headers, body: reply.body)
        let seconds = Monotonic.seconds() - start
        metrics.record(route: route?.label ?? "unmatched", status: reply.status, seconds: seconds)
        log.append(
            LogEntry(
                requestID: requestID, receivedAt: receivedAt, method: request.method, path: request.target,
                status: reply.status, latencyMicros: Int64(seconds * 1_000_000), modelID: reply.modelID,
                requestBody: request.body, responseBody: reply.body, clientAddress: request.remoteAddress,
                maxBody: configuration.maxLoggedBody), lane: request.loop)
        return response
    }

    /// Before a loop sends its answers, their log entries reach its journal lane.
    public func willSend(loop: Int) {
        log.commit(lane: loop)
    }

    /// The server's own refusals (431, 408, 503 ...) in the API's error shape,
    /// `{"error": {"code", "message"}}`, the code from the status's reason phrase.
    public func errorResponse(status: Int, message: String) -> HTTPResponse {
        var json = JSONWriter(capacity: 96 + message.utf8.count)
        json.beginObject()
        json.key("error")
        json.beginObject()
        json.key("code")
        json.value(HTTPResponse.reason(status).lowercased().replacingOccurrences(of: " ", with: "_"))
        json.key("message")
        json.value(message)
        json.endObject()
        json.endObject()
        return HTTPResponse(
            status: status, headers: [("Content-Type", "application/json")], body: json.bytes)
    }

    private func findRoute(_ request: HTTPRequest) -> (route: Route?, parameters: [String: String]?, allowed: [String])
    {
        // A route without parameters is listed before any parametric one that also matches
        // its path, so a hit here is what the full match below would find. Most requests
        // take only this lookup.
        if let candidates = staticRoutes[String(request.path)],
            let route = candidates.first(where: {
                $0.method == request.method || ($0.method == "GET" && request.method == "HEAD")
            })
        {
            return (route, [:], [])
        }
        let segments = request.path.split(separator: "/", omittingEmptySubsequences: true)
        var allowed: [String] = []
        for route in routes {
            guard let parameters = route.match(segments) else { continue }
            if route.method == request.method || (route.method == "GET" && request.method == "HEAD") {
                return (route, parameters, [])
            }
            allowed.append(route.method)
        }
        return (nil, nil, allowed)
    }

    /// Whether the request carries the valid admin token (for routes that show more to admins).
    func isAdmin(_ request: HTTPRequest) -> Bool {
        (try? authorize(request)) != nil
    }

    /// Bearer token check in constant time: 401 without a token, 403 with a wrong one, 400
    /// for several Authorization headers (which one counts would be a guess).
    private func authorize(_ request: HTTPRequest) throws {
        if request.headers.lazy.filter({ $0.name.lowercased() == "authorization" }).count > 1 {
            throw APIError(400, "duplicate_authorization", "send one Authorization header, not several")
        }
        guard let header = request.header("Authorization"), header.lowercased().hasPrefix("bearer ") else {
            throw APIError(401, "unauthorized", "this route needs Authorization: Bearer <MODELSERVE_ADMIN_TOKEN>")
        }
        let given = Array(header.utf8.dropFirst(7))
        let expected = Array(configuration.adminToken.utf8)
        var difference = UInt8(given.count == expected.count ? 0 : 1)
        for i in 0..<max(given.count, expected.count) {
            let a = i < given.count ? given[i] : 0
            let b = i < expected.count ? expected[i] : 0
            difference |= a ^ b
        }
        guard difference == 0, !expected.isEmpty else {
            throw APIError(403, "forbidden", "the admin token is not valid")
        }
    }

    /// Errors from every layer, mapped to statuses. What the client may not see (a driver's
    /// message names hosts, users and tables) goes to the server's log with the request id;
    /// database messages reach only admin callers, whose own SQL they are about.
    func errorReply(_ error: any Error, requestID: String, admin: Bool) -> Reply {
        let api: APIError
        switch error {
        case let e as APIError: api = e
        case let e as RegistryError:
            switch e.code {
            case .notFound: api = APIError(404, e.code.rawValue, e.message)
            case .noProduction, .nothingToRollBack: api = APIError(409, e.code.rawValue, e.message)
            default: api = APIError(422, e.code.rawValue, e.message)
            }
        case let e as LearningError: api = APIError(422, e.code.rawValue, e.message, details: e.details)
        case let e as SpecError: api = APIError(422, "invalid_spec", e.description)
        case let e as DatabaseError where e.kind == .connection:
            configuration.onError("request \(requestID): database unavailable: \(e)")
            api = APIError(503, "database_unavailable", "the database is unavailable; retry shortly")
        case let e as DatabaseError where admin:
            api = APIError(422, "database_error", e.message)
        default:
            configuration.onError("request \(requestID): \(error)")
            api = APIError(500, "internal_error", "internal error; the server log has the details (request \(requestID))")
        }
        return Reply(status: api.status, body: api.body)
    }
}

/// Unique request ids: a random per-process prefix and a counter (cheap, and unique in the
/// log's UNIQUE column across processes).
final class RequestIDs: Sendable {
    private let prefix: String
    private let counter = Atomic<UInt64>(0)

    init() {
        var generator = SystemRandomNumberGenerator()
        prefix = String(generator.next() & 0xFFFF_FFFF_FFFF, radix: 16)
    }

    func next() -> String {
        let n = counter.add(1, ordering: .relaxed).newValue
        return "\(prefix)-\(String(n, radix: 16))"
    }
}
