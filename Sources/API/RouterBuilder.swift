import HTTPServer

/// A feature's routes, registered from the feature's own file.
protocol RouteGroup {
    static func register(on router: inout RouterBuilder)
}

/// Where routes are declared before serving starts: mutable while features register, then
/// frozen into a `Responder` that only reads (as Hummingbird's `Router` builds its
/// `RouterResponder`).
struct RouterBuilder {
    /// Where a route runs.
    enum Placement {
        /// On the event loop: the route answers from memory and never waits.
        case onLoop
        /// On a worker thread (the default: anything that touches the database).
        case workers
    }

    /// Requests of one route that may be queued or running off the loop at once, unless the
    /// route says otherwise.
    static let defaultQueueLimit = 64

    private(set) var routes: [Route] = []
    /// The settings, for groups whose routes depend on them (the data source is offered
    /// only when a table is configured).
    let configuration: APIConfiguration

    init(configuration: APIConfiguration) {
        self.configuration = configuration
    }

    /// Adds a route. `path` is like "/models/{id}"; a `{name}` segment matches any one segment.
    mutating func add(
        _ method: String, _ path: String, admin: Bool = false, runs placement: Placement = .workers,
        queueLimit: Int = RouterBuilder.defaultQueueLimit, _ description: RouteDescription,
        handler: @escaping @Sendable (Services, RouteContext) throws -> Reply
    ) {
        let pattern = path.split(separator: "/").map(String.init)
        let label = "\(method) \(path)"
        precondition(!routes.contains { $0.label == label }, "route \(label) registered twice")
        routes.append(
            Route(
                method: method, pattern: pattern, path: path, label: label, admin: admin,
                onLoop: placement == .onLoop, lane: WorkLane(name: label, limit: queueLimit),
                description: description, handle: handler))
    }

    mutating func get(
        _ path: String, admin: Bool = false, runs placement: Placement = .workers,
        queueLimit: Int = RouterBuilder.defaultQueueLimit, _ description: RouteDescription,
        handler: @escaping @Sendable (Services, RouteContext) throws -> Reply
    ) {
        add("GET", path, admin: admin, runs: placement, queueLimit: queueLimit, description, handler: handler)
    }

    mutating func post(
        _ path: String, admin: Bool = false, runs placement: Placement = .workers,
        queueLimit: Int = RouterBuilder.defaultQueueLimit, _ description: RouteDescription,
        handler: @escaping @Sendable (Services, RouteContext) throws -> Reply
    ) {
        add("POST", path, admin: admin, runs: placement, queueLimit: queueLimit, description, handler: handler)
    }

    /// The table, read-only from here on.
    func freeze(services: Services) -> Responder {
        Responder(routes: routes, services: services)
    }
}
