internal import CEpoll
import Foundation
import Synchronization

/// An HTTP/1.1 server on POSIX sockets and epoll: one event loop per thread, keep-alive and
/// pipelining, strict parsing with limits and timeouts, graceful shutdown.
public final class HTTPServer: Sendable {
    public let configuration: ServerConfiguration
    private let handler: any HTTPHandler
    private let state = ServerState()
    private let workers = Mutex<WorkerPool?>(nil)
    private let loops = Mutex<[EventLoop]>([])
    private let finished = DispatchGroup()
    private let boundPort = Atomic<Int>(0)

    public init(configuration: ServerConfiguration, handler: any HTTPHandler) {
        self.configuration = configuration
        self.handler = handler
    }

    /// The port listened on (useful with port 0).
    public var port: Int { boundPort.load(ordering: .acquiring) }

    /// Open client connections right now.
    public var openConnections: Int { state.openConnections }

    /// Binds and starts the event loops; returns once the server accepts connections.
    public func start() throws {
        var port = configuration.port
        if port != 0 { try Socket.checkAvailable(host: configuration.host, port: port) }
        var created: [EventLoop] = []
        let workers = WorkerPool(threads: configuration.workerThreads, capacity: configuration.workerQueue)
        self.workers.withLock { $0 = workers }
        for index in 0..<max(1, configuration.threads) {
            let listener = try Socket.listen(host: configuration.host, port: port)
            port = listener.port
            created.append(
                try EventLoop(
                    index: index, listenerFD: listener.fd, handler: handler, configuration: configuration,
                    shared: state, workers: workers))
        }
        boundPort.store(port, ordering: .releasing)
        loops.withLock { $0 = created }
        let slice = configuration.loopTimeSlice
        let running = DispatchSemaphore(value: 0)
        for (i, loop) in created.enumerated() {
            finished.enter()
            let thread = Thread { [finished] in
                // Best effort: a kernel without custom slices refuses or ignores the request.
                if let slice { _ = cepoll_request_slice(UInt64(max(0, slice) * 1e9)) }
                running.signal()
                loop.run()
                finished.leave()
            }
            thread.name = "http-loop-\(i)"
            thread.stackSize = 1 << 20
            thread.start()
        }
        for _ in created { running.wait() }
    }

    /// Stops accepting, lets in-flight requests finish (up to the grace period), closes
    /// idle connections. Returns at once; `wait` blocks until the loops are done.
    public func shutdown() {
        state.beginShutdown()
        for loop in loops.withLock({ $0 }) { loop.wake() }
    }

    /// Blocks until every loop has exited.
    public func wait() {
        finished.wait()
        workers.withLock { $0?.stop() }
    }
}
