import Foundation
public import HTTPServer
import Learning
public import Registry
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
    /// Whether `POST /models/train` trains in this process and answers with the versions
    /// (the single-binary demo), rather than queueing a job for `modelserve worker` and
    /// answering 202 at once: a serving replica that trains competes with its own requests.
    public var trainInline = false
    /// The table `GET /api/v1/data` serves page by page (nil: the route is not offered).
    public var dataSource: DataPages?
    /// A token that may post feedback (and nothing else), for the system that knows the
    /// outcomes; the admin token may too.
    public var feedbackToken: String?
    /// Where details of failures go that the client is not told (the server's log).
    public var onError: @Sendable (String) -> Void = { _ in }

    /// The shortest admin token accepted: shorter ones are guessable.
    public static let minimumTokenLength = 16

    public init(adminToken: String) {
        self.adminToken = adminToken
    }
}

/// The HTTP API: every feature's routes, frozen into one responder that the HTTP server
/// calls. A new route group is one file (a `RouteGroup`) and one line in `groups`.
public final class API: HTTPHandler {
    /// The route groups, in the order `/docs` lists them.
    static var groups: [any RouteGroup.Type] {
        [
            PredictRoutes.self, SimilarRoutes.self, RegistryRoutes.self, AdminRoutes.self, OperationsRoutes.self,
            DataSourceRoutes.self, RunsRoutes.self, FeedbackRoutes.self, TrafficRoutes.self, TrainingJobRoutes.self,
            ProfileRoutes.self,
            DocsRoutes.self, DashboardRoutes.self,
        ]
    }

    let responder: Responder

    public init(configuration: APIConfiguration, database: any Database, store: ModelStore, log: RequestLog) {
        var router = RouterBuilder(configuration: configuration)
        for group in Self.groups { group.register(on: &router) }
        let services = Services(
            configuration: configuration, registry: ModelRegistry(database), store: store,
            log: log, metrics: Metrics(), started: Date(),
            shadows: ShadowScorer(log: log, maxBody: configuration.maxLoggedBody), live: LiveFigures())
        responder = router.freeze(services: services)
    }

    /// The method and path pattern of every route, for documentation and its test.
    public var routeTable: [(method: String, path: String, admin: Bool)] {
        responder.descriptions.map { ($0.method, $0.path, $0.admin) }
    }

    public func dispatch(_ request: consuming HTTPRequest) -> Dispatch {
        responder.dispatch(request)
    }

    /// Answers on the calling thread, wherever the route would run when served: how tests
    /// drive the API without a socket.
    public func respond(to request: HTTPRequest) -> HTTPResponse {
        responder.respond(to: request)
    }

    /// Before a loop sends its answers, their log entries reach its journal lane.
    public func willSend(loop: Int) {
        responder.services.log.commit(lane: loop)
    }

    /// The server's own refusals (431, 408, 503 ...) in the API's error shape,
    /// `{"error": {"code", "message"}}`, the code from the status's reason phrase.
    public func errorResponse(status: Int, message: String) -> HTTPResponse {
        let code = HTTPResponse.reason(status).lowercased().replacingOccurrences(of: " ", with: "_")
        return HTTPResponse(
            status: status, headers: [("Content-Type", "application/json")], body: APIError(status, code, message).body)
    }
}

/// Unique request ids: a random per-process prefix and a counter (cheap, and unique in the
/// log's UNIQUE column across processes).
final class RequestIDs: Sendable {
    /// The 8 prefix characters and the '-', as the first 9 bytes of every id.
    private let prefix: (UInt64, UInt8)
    private let counter = Atomic<UInt64>(0)
    /// URL-safe, and free of the '-' that ends the prefix and the '#' that feedback puts
    /// after an id. A static string: read in place, no lazy global and no array per id.
    private static let alphabet: StaticString = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_~"

    init() {
        // 48 random bits, six to a character: ids of different processes do not meet.
        var generator = SystemRandomNumberGenerator()
        let random = generator.next()
        var characters: UInt64 = 0
        for k in 0..<8 { characters |= UInt64(Self.character(Int((random >> (6 * UInt64(k))) & 63))) << (8 * k) }
        prefix = (characters, UInt8(ascii: "-"))
    }

    @inline(__always)
    private static func character(_ k: Int) -> UInt8 { alphabet.utf8Start[k] }

    /// "prefix-n", n counted in the same alphabet: at most 15 bytes until 2^36 requests, so
    /// the String is stored inline (no allocation, no reference counting wherever the id is
    /// copied: the log entry, the header, the answer).
    func next() -> String {
        let n = counter.add(1, ordering: .relaxed).newValue
        let digits = max(1, (64 - n.leadingZeroBitCount + 5) / 6)
        return String(unsafeUninitializedCapacity: 9 + digits) { buffer in
            let base = UnsafeMutableRawPointer(buffer.baseAddress!)
            base.storeBytes(of: prefix.0.littleEndian, as: UInt64.self)
            base.storeBytes(of: prefix.1, toByteOffset: 8, as: UInt8.self)
            for k in 0..<digits {
                buffer[9 + digits - 1 - k] = Self.character(Int((n >> (6 * UInt64(k))) & 63))
            }
            return 9 + digits
        }
    }
}
