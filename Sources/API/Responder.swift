import Foundation
import Glibc
import HTTPServer
import Registry

/// The frozen route table: finds a request's route, checks the admin token, runs the route
/// on the loop or hands it to its lane, renders errors, and logs and counts every answer.
/// Immutable once built, so every event loop and worker shares it without locks.
final class Responder: Sendable {
    let routes: [Route]
    let services: Services
    let descriptions: [RouteDescription.Entry]
    /// Routes without parameters by path: most requests are found with one lookup.
    private let staticRoutes: StaticRoutes
    private let requestIDs = RequestIDs()
    private let token: AdminToken

    init(routes: [Route], services: Services) {
        // A route without parameters is listed before any parametric one that also matches
        // its path ("/models/current" before "/models/{id}"), so a static hit is what the
        // full match would find.
        let ordered = routes.filter { !$0.hasParameters } + routes.filter(\.hasParameters)
        self.routes = ordered
        self.services = services
        token = AdminToken(services.configuration.adminToken)
        descriptions = routes.map {
            RouteDescription.Entry(
                method: $0.method, path: $0.path, pattern: $0.pattern, admin: $0.admin, description: $0.description,
                lane: $0.lane)
        }
        staticRoutes = StaticRoutes(ordered.filter { !$0.hasParameters })
    }

    /// Answers on the loop when the route allows, else hands the work to the route's lane.
    func dispatch(_ request: consuming HTTPRequest) -> Dispatch {
        let context = begin(request, onLoop: true)
        guard let route = context.route, !(route.admin && !token.isAdmin(context.request)) else {
            return .answer(run(context)!)
        }
        if route.onLoop, let response = run(context) { return .answer(response) }
        let offLoop = context.offLoop
        return .offLoop(route.lane) { [self] refused in
            guard let refused else { return run(offLoop)! }
            return refusal(offLoop, refused)
        }
    }

    /// Answers in the calling thread whatever the route's placement: the in-process test
    /// client's way in.
    func respond(to request: HTTPRequest) -> HTTPResponse {
        run(begin(request, onLoop: false))!
    }

    /// The answer to a request the server could not take on (a full lane), logged like any.
    private func refusal(_ context: RouteContext, _ refused: Refusal) -> HTTPResponse {
        let error = APIError(refused.status, refused.status == 503 ? "busy" : "refused", refused.message)
        return finish(context, Reply(status: refused.status, body: error.body))
    }

    private func begin(_ request: consuming HTTPRequest, onLoop: Bool) -> RouteContext {
        let start = Monotonic.seconds()
        let (route, parameters, allowed) = find(request)
        return RouteContext(
            request: request, route: route, parameters: parameters, allowed: allowed,
            requestID: requestIDs.next(), start: start, receivedAt: Date(), token: token, routes: descriptions,
            onLoop: onLoop)
    }

    /// Runs the route (nil: a loop run that must move off the loop).
    private func run(_ context: RouteContext) -> HTTPResponse? {
        var reply: Reply
        do {
            guard let route = context.route else {
                if !context.allowed.isEmpty {
                    throw APIError(
                        405, "method_not_allowed",
                        "\(context.request.method) is not allowed on \(context.request.path); use \(context.allowed.joined(separator: ", "))"
                    )
                }
                throw APIError.notFound("no route \(context.request.method) \(context.request.path); see GET /docs")
            }
            if route.admin { try token.authorize(context.request) }
            reply = try route.handle(services, context)
        } catch is OffLoop where context.onLoop {
            return nil
        } catch {
            reply = render(error, requestID: context.requestID, admin: token.isAdmin(context.request))
        }
        if !context.allowed.isEmpty { reply.headers.append(("Allow", context.allowed.joined(separator: ", "))) }
        return finish(context, reply)
    }

    /// Headers, metrics and the request log: every answer passes here once.
    private func finish(_ context: RouteContext, _ reply: Reply) -> HTTPResponse {
        // Appended, not an array literal: the literal would be an array to build and free.
        var headers = HTTPHeaders()
        headers.append(("Content-Type", reply.contentType))
        headers.append(("X-Request-Id", context.requestID))
        for (name, value) in reply.headers { headers.append((name, value)) }
        let seconds = Monotonic.seconds() - context.start
        services.metrics.record(route: context.route?.label ?? "unmatched", status: reply.status, seconds: seconds)
        services.log.append(
            LogEntry(
                requestID: context.requestID, receivedAt: context.receivedAt, method: context.request.method,
                path: context.request.target, status: reply.status, latencyMicros: Int64(seconds * 1_000_000),
                modelID: reply.modelID, requestBody: context.request.body, responseBody: reply.body,
                clientAddress: context.request.remoteAddress, maxBody: services.configuration.maxLoggedBody),
            lane: context.request.loop)
        return HTTPResponse(status: reply.status, headers: headers, body: reply.body)
    }

    /// An error that knows how it is answered renders itself; anything else is a 500 whose
    /// details go to the server's log under the request id, never to the client.
    private func render(_ error: any Error, requestID: String, admin: Bool) -> Reply {
        let answer: APIError
        if let known = error as? any HTTPResponseError, let rendered = known.apiError(forAdmin: admin) {
            answer = rendered
            if answer.status >= 500 { services.configuration.onError("request \(requestID): \(error)") }
        } else {
            services.configuration.onError("request \(requestID): \(error)")
            answer = APIError(
                500, "internal_error", "internal error; the server log has the details (request \(requestID))")
        }
        return Reply(status: answer.status, body: answer.body)
    }

    private func find(_ request: HTTPRequest) -> (route: Route?, parameters: [String: String], allowed: [String]) {
        func accepts(_ route: Route) -> Bool {
            route.method == request.method || (route.method == "GET" && request.method == "HEAD")
        }
        if let candidates = staticRoutes.routes(for: request.target), let route = candidates.first(where: accepts) {
            return (route, [:], [])
        }
        let segments = request.path.split(separator: "/", omittingEmptySubsequences: true)
        var allowed: [String] = []
        for route in routes {
            guard let parameters = route.match(segments) else { continue }
            if accepts(route) { return (route, parameters, []) }
            allowed.append(route.method)
        }
        return (nil, [:], allowed)
    }
}

/// Routes without parameters by their path's bytes, grouped by length: a request's path is
/// found by comparing it with the few paths of its length, where hashing it as a String cost
/// ~700 instructions a request.
private struct StaticRoutes: Sendable {
    /// By length: each path's bytes and the routes (one per method) that answer it.
    private let byLength: [[(path: [UInt8], routes: [Route])]]

    init(_ routes: [Route]) {
        let grouped = Dictionary(grouping: routes, by: \.path)
        var byLength = [[(path: [UInt8], routes: [Route])]](
            repeating: [], count: (grouped.keys.map(\.utf8.count).max() ?? 0) + 1)
        for (path, routes) in grouped.sorted(by: { $0.key < $1.key }) {
            byLength[path.utf8.count].append((Array(path.utf8), routes))
        }
        self.byLength = byLength
    }

    /// The routes of the target's path (before any query), or nil.
    func routes(for target: String) -> [Route]? {
        var target = target
        return target.withUTF8 { bytes -> [Route]? in
            guard let base = bytes.baseAddress else { return nil }
            let length =
                memchr(base, Int32(UInt8(ascii: "?")), bytes.count).map {
                    UnsafeRawPointer(base).distance(to: UnsafeRawPointer($0))
                } ?? bytes.count
            guard length < byLength.count else { return nil }
            for entry in byLength[length]
            where entry.path.withUnsafeBytes({ memcmp($0.baseAddress!, base, length) }) == 0 {
                return entry.routes
            }
            return nil
        }
    }
}
