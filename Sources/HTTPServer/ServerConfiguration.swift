import Foundation

/// How the server listens and what it tolerates.
public struct ServerConfiguration: Sendable {
    /// An IPv4 or IPv6 address or a host name; "::" listens on both families.
    public var host = "127.0.0.1"
    /// 0 picks a free port (see `HTTPServer.port`).
    public var port = 8080
    /// Event loops, one thread each.
    public var threads = max(1, ProcessInfo.processInfo.activeProcessorCount)
    public var limits = HTTPLimits()
    /// Seconds a client has to send a request's head once it started it.
    public var headerTimeout = 10.0
    /// Seconds a client has to send a request's body once the head is in.
    public var bodyTimeout = 30.0
    /// Seconds an idle keep-alive connection stays open. A new connection that has sent
    /// nothing yet gets `headerTimeout` instead: holding a socket costs a request's head.
    public var idleTimeout = 60.0
    /// Seconds a client may leave written answers unread before it is dropped (one that
    /// pipelines requests and never reads).
    public var writeTimeout = 30.0
    /// Bytes of unsent answers a connection may hold; past this the server stops reading
    /// its requests until the client reads (so a non-reading client cannot grow memory).
    public var maxPendingOutput = 1 << 20
    /// Open connections beyond this get a 503 with Retry-After and are closed.
    public var maxConnections = 10_000
    /// Threads that run off-loop work (`Dispatch.offLoop`), and how many such requests may
    /// wait for one in all before the server answers 503 (each lane also has its own limit).
    public var workerThreads = 8
    public var workerQueue = 256
    /// On shutdown, in-flight requests get this long to finish.
    public var shutdownGrace = 30.0
    /// Seconds of CPU a loop thread asks the Linux scheduler for at a time (EEVDF's slice,
    /// kernels 6.12 and later; others ignore it). A short slice lets a loop woken by a
    /// request preempt longer-running work on its core, such as the request-log writer or a
    /// database backend, instead of waiting out that work's slice. nil keeps the default.
    public var loopTimeSlice: Double? = 0.000_3

    public init() {}
}

/// What the server calls for each request. It knows nothing of what the answers mean.
public protocol HTTPHandler: Sendable {
    /// Answers a request now, or says which work to run off the loop. Runs on an event
    /// loop, so it must not block: anything that may wait (a database, training) is
    /// `.offLoop`. The request is handed over: the server keeps no copy.
    func dispatch(_ request: consuming HTTPRequest) -> Dispatch

    /// Called on event loop `loop`'s thread once per iteration, after it has produced
    /// answers and before it writes any of them: a handler that must make something durable
    /// before a client sees its answer (the request log) does it here, once for the batch.
    func willSend(loop: Int)

    /// The answer to a request the server refuses itself (a malformed request, a limit, a
    /// timeout, no capacity): the handler says its shape, so clients see one error format.
    func errorResponse(status: Int, message: String) -> HTTPResponse
}

extension HTTPHandler {
    public func willSend(loop: Int) {}

    /// Plain text, for handlers with no error format of their own.
    public func errorResponse(status: Int, message: String) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "text/plain; charset=utf-8", body: message + "\n")
    }
}

/// A socket-level failure, with errno read at the failing call.
public struct ServerError: Error, Sendable, CustomStringConvertible {
    public let operation: String
    public let code: Int32

    init(_ operation: String, code: Int32 = errno) {
        self.operation = operation
        self.code = code
    }

    public var description: String { "\(operation): \(String(cString: strerror(code)))" }
}
