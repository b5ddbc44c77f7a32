import CEpoll
import Foundation
import Synchronization

/// One thread serving connections with epoll: accepts from its own listening socket, reads,
/// parses, answers and writes without blocking.
///
/// Answers produced during an iteration are written together at its end, after the
/// handler's `willSend(loop:)`: what a handler must make durable before its answers are
/// seen costs it one call per iteration, not one per request.
///
/// Thread safety: everything but `mailbox` and `wakeFD` is touched only by the loop's own
/// thread; other threads post into the mailbox (under its mutex) and write the eventfd.
final class EventLoop: @unchecked Sendable {
    private let epollFD: Int32
    private let wakeFD: Int32
    private let listenerFD: Int32
    private let index: Int
    private let handler: any HTTPHandler
    private let workers: WorkerPool
    private let configuration: ServerConfiguration
    private let shared: ServerState
    private var connections = ConnectionTable()
    private var generation: UInt64 = 0
    private var listening = true
    private var shutdownDeadline: Double?
    /// Answers from the worker pool, for the connection (fd and generation) that asked.
    private struct Mail {
        let fd: Int32
        let generation: UInt64
        let response: HTTPResponse
        let keepAlive: Bool
        let includeBody: Bool
    }

    private let mailbox = Mutex<[Mail]>([])
    private var dateCache = DateCache()
    private var readBuffer = [UInt8](repeating: 0, count: 64 * 1024)
    /// Connections with output to write at the end of this iteration, and the list being
    /// written (swapped, so that neither is reallocated each iteration).
    private var dirty: [Connection] = []
    private var writing: [Connection] = []

    init(
        index: Int, listenerFD: Int32, handler: any HTTPHandler, configuration: ServerConfiguration,
        shared: ServerState, workers: WorkerPool
    ) throws {
        self.index = index
        self.workers = workers
        epollFD = epoll_create1(cepoll_cloexec())
        guard epollFD >= 0 else { throw ServerError("epoll_create1") }
        wakeFD = eventfd(0, cepoll_efd_nonblock())
        guard wakeFD >= 0 else { throw ServerError("eventfd") }
        self.listenerFD = listenerFD
        self.handler = handler
        self.configuration = configuration
        self.shared = shared
        try register(listenerFD, events: cepoll_in())
        try register(wakeFD, events: cepoll_in())
    }

    deinit {
        close(epollFD)
        close(wakeFD)
    }

    /// Wakes the loop (shutdown, or a slow response arrived).
    func wake() {
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }

    /// Runs until shutdown has drained every connection.
    func run() {
        var events = [epoll_event](repeating: epoll_event(), count: 256)
        while true {
            let count = epoll_wait(epollFD, &events, Int32(events.count), 200)
            if count < 0 && errno != EINTR { break }
            for i in 0..<max(0, Int(count)) {
                let fd = events[i].data.fd
                let flags = events[i].events
                if fd == listenerFD {
                    acceptConnections()
                } else if fd == wakeFD {
                    var value: UInt64 = 0
                    _ = read(wakeFD, &value, 8)
                    deliverMail()
                } else if let connection = connections[fd] {
                    if flags & (cepoll_err() | cepoll_hup()) != 0 && flags & cepoll_in() == 0 {
                        closeConnection(connection)
                        continue
                    }
                    if flags & cepoll_in() != 0 { readFrom(connection) }
                    if flags & cepoll_out() != 0, connections[fd] === connection { markDirty(connection) }
                }
            }
            let now = Monotonic.seconds()
            if shared.isShuttingDown { beginShutdown(now) }
            expireDeadlines(now)
            writeDirty()
            if !listening && (connections.isEmpty || now >= (shutdownDeadline ?? now)) { break }
        }
        for connection in connections.all { closeConnection(connection) }
    }

    // MARK: Accepting

    private func acceptConnections() {
        while listening {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    cepoll_accept(listenerFD, $0, &length)
                }
            }
            if fd < 0 {
                let code = errno
                if code == EAGAIN || code == EWOULDBLOCK || code == EINTR { return }
                if code == EMFILE || code == ENFILE { return }  // out of descriptors: retry on the next event
                continue
            }
            guard shared.connectionOpened(limit: configuration.maxConnections) else {
                refuse(fd)
                continue
            }
            var one: Int32 = 1
            // Responses go out in one write; do not hold them back for Nagle.
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            let address = Socket.address(storage)
            generation &+= 1
            // Until its first byte a connection gets the header timeout, not the idle one.
            let connection = Connection(
                fd: fd, remoteAddress: address.host, generation: generation,
                deadline: Monotonic.seconds() + min(configuration.headerTimeout, configuration.idleTimeout))
            connections[fd] = connection
            do {
                try register(fd, events: cepoll_in() | cepoll_rdhup())
            } catch {
                closeConnection(connection)
            }
        }
    }

    /// Past the connection limit: a 503 saying when to come back, then close. Whatever the
    /// client already sent is read first, so that closing does not reset the connection
    /// and discard the answer.
    private func refuse(_ fd: Int32) {
        var scratch = [UInt8](repeating: 0, count: 4096)
        _ = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        var output: [UInt8] = []
        var response = errorResponse(503, "the server is at its connection limit; retry shortly")
        response.headers.append(("Retry-After", "1"))
        response.write(into: &output, keepAlive: false, date: dateCache.now())
        _ = output.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        shutdown(fd, Int32(SHUT_WR))
        close(fd)
    }

    // MARK: Reading and answering

    private func readFrom(_ connection: Connection) {
        // Stop taking requests from a client that does not read its answers (or that sends
        // far ahead while one is being answered): TCP's flow control then holds it back.
        if connection.pendingOutput >= configuration.maxPendingOutput || connection.pendingInput >= inputLimit {
            updateInterest(connection)
            return
        }
        while true {
            let received = readBuffer.withUnsafeMutableBytes { recv(connection.fd, $0.baseAddress, $0.count, 0) }
            if received > 0 {
                if connection.phase == .idle {
                    // A new request starts: its head must arrive within the header timeout.
                    enter(.head, connection)
                }
                connection.input.append(contentsOf: readBuffer[0..<received])
                if received < readBuffer.count || connection.pendingInput >= inputLimit { break }
            } else if received == 0 {
                // The peer closed its side: answer what is complete, then close.
                connection.closeAfterWrite = true
                break
            } else {
                let code = errno
                if code == EAGAIN || code == EWOULDBLOCK { break }
                if code == EINTR { continue }
                closeConnection(connection)
                return
            }
        }
        process(connection)
    }

    /// Most unparsed input a connection holds: one whole request at the limits, and a read.
    private var inputLimit: Int {
        configuration.limits.maxHeaderBytes + configuration.limits.maxBodyBytes + readBuffer.count
    }

    /// Parses and answers every complete request in the input, in order, while the client
    /// keeps up with reading the answers.
    private func process(_ connection: Connection) {
        while !connection.awaitingResponse && connection.pendingInput > 0
            && connection.pendingOutput < configuration.maxPendingOutput
        {
            let result = connection.input.withUnsafeBytes {
                HTTPParser.parse(
                    UnsafeRawBufferPointer(rebasing: $0[connection.inputStart...]), limits: configuration.limits)
            }
            // Consumed: the request moves out of the result instead of being copied (its
            // buffers retained, then released with the result).
            switch consume result {
            case .incomplete(let headersComplete, let expectsContinue):
                if headersComplete {
                    if expectsContinue && !connection.sentContinue {
                        connection.sentContinue = true
                        connection.output.append(contentsOf: "HTTP/1.1 100 Continue\r\n\r\n".utf8)
                    }
                    if connection.phase != .body { enter(.body, connection) }
                } else if connection.phase == .idle {
                    enter(.head, connection)
                }
                if connection.closeAfterWrite && connection.pendingOutput == 0 {
                    // The peer closed mid-request: nothing more will come.
                    closeConnection(connection)
                    return
                }
                markDirty(connection)
                return
            case .failure(let error):
                connection.consumeInput(connection.pendingInput)
                queue(errorResponse(error.status, error.message), on: connection, keepAlive: false)
                markDirty(connection)
                return
            case .complete(let request, let consumed):
                connection.consumeInput(consumed)
                connection.sentContinue = false
                // A pipelined request may follow at once: it gets a fresh header deadline.
                enter(connection.pendingInput > 0 ? .head : .idle, connection)
                dispatch(request, from: connection)
            }
        }
        markDirty(connection)
    }

    /// Hands a parsed request to the handler (moved, not copied: its buffers are not
    /// retained and released again) and queues the answer, or the work off the loop.
    private func dispatch(_ request: consuming HTTPRequest, from connection: Connection) {
        request.remoteAddress = connection.remoteAddress
        request.loop = index
        let keepAlive = request.keepAlive && !shared.isShuttingDown
        let includeBody = request.method != "HEAD"
        switch handler.dispatch(consume request) {
        case .answer(let response):
            queue(response, on: connection, keepAlive: keepAlive, includeBody: includeBody)
        case .offLoop(let lane, let work):
            let fd = connection.fd
            let generation = connection.generation
            var queued = lane.enter()
            if queued {
                queued = workers.submit { [self] in
                    let response = work(nil)
                    lane.leave()
                    let mail = Mail(
                        fd: fd, generation: generation, response: response, keepAlive: keepAlive,
                        includeBody: includeBody)
                    mailbox.withLock { $0.append(mail) }
                    wake()
                }
                if !queued { lane.leave() }
            }
            if queued {
                connection.awaitingResponse = true
            } else {
                var busy = work(
                    Refusal(status: 503, message: "the server is busy with \(lane.name) requests; retry shortly"))
                busy.headers.append(("Retry-After", "1"))
                queue(busy, on: connection, keepAlive: keepAlive)
            }
        }
    }

    /// Lists a connection for the writes at the end of this iteration.
    private func markDirty(_ connection: Connection) {
        guard !connection.isDirty else { return }
        connection.isDirty = true
        dirty.append(connection)
    }

    /// The end of an iteration: the handler's `willSend`, then every listed connection's
    /// output. Writing can resume a held-back connection, which may list more.
    private func writeDirty() {
        while !dirty.isEmpty {
            swap(&dirty, &writing)
            handler.willSend(loop: index)
            for connection in writing {
                connection.isDirty = false
                if connections[connection.fd] === connection { flush(connection) }
            }
            writing.removeAll(keepingCapacity: true)
        }
    }

    private func enter(_ phase: Connection.Phase, _ connection: Connection) {
        connection.phase = phase
        let timeout =
            switch phase {
            case .idle: configuration.idleTimeout
            case .head: configuration.headerTimeout
            case .body: configuration.bodyTimeout
            }
        connection.deadline = Monotonic.seconds() + timeout
    }

    private func queue(_ response: HTTPResponse, on connection: Connection, keepAlive: Bool, includeBody: Bool = true) {
        response.write(into: &connection.output, keepAlive: keepAlive, date: dateCache.now(), includeBody: includeBody)
        if !keepAlive {
            connection.closeAfterWrite = true
            connection.consumeInput(connection.pendingInput)  // nothing after this is answered
        }
    }

    private func deliverMail() {
        let mail = mailbox.withLock { box in
            defer { box.removeAll() }
            return box
        }
        for item in mail {
            guard let connection = connections[item.fd], connection.generation == item.generation else { continue }
            connection.awaitingResponse = false
            queue(
                item.response, on: connection, keepAlive: item.keepAlive && !shared.isShuttingDown,
                includeBody: item.includeBody)
            process(connection)
        }
    }

    // MARK: Writing

    private func flush(_ connection: Connection) {
        let wasBlocked = connection.pendingOutput >= configuration.maxPendingOutput
        while connection.pendingOutput > 0 {
            let sent = connection.output.withUnsafeBytes {
                send(
                    connection.fd, $0.baseAddress! + connection.outputStart, connection.pendingOutput,
                    Int32(MSG_NOSIGNAL))
            }
            if sent > 0 {
                connection.consumeOutput(sent)
                connection.writeStalledSince = nil
            } else {
                let code = errno
                if sent < 0 && code == EINTR { continue }
                if sent < 0 && (code == EAGAIN || code == EWOULDBLOCK) {
                    if connection.writeStalledSince == nil { connection.writeStalledSince = Monotonic.seconds() }
                    updateInterest(connection)
                    return
                }
                closeConnection(connection)
                return
            }
        }
        connection.writeStalledSince = nil
        updateInterest(connection)
        if connection.closeAfterWrite && !connection.awaitingResponse {
            closeConnection(connection)
        } else if wasBlocked && connection.pendingInput > 0 {
            process(connection)  // the client read its answers: carry on with what it sent (written next round)
        }
    }

    /// Registers for reads unless the client is too far behind (unread output, or input
    /// piled up), and for writes while output waits.
    private func updateInterest(_ connection: Connection) {
        guard connections[connection.fd] === connection else { return }
        let read =
            connection.pendingOutput < configuration.maxPendingOutput && connection.pendingInput < inputLimit
        let write = connection.pendingOutput > 0
        guard connection.wantsRead != read || connection.wantsWrite != write else { return }
        connection.wantsRead = read
        connection.wantsWrite = write
        var event = epoll_event()
        event.events = cepoll_rdhup() | (read ? cepoll_in() : 0) | (write ? cepoll_out() : 0)
        event.data.fd = connection.fd
        epoll_ctl(epollFD, EPOLL_CTL_MOD, connection.fd, &event)
    }

    // MARK: Timeouts and shutdown

    private func expireDeadlines(_ now: Double) {
        // Most iterations nothing is due: look before copying the table to change it.
        guard connections.contains(where: { isStalled($0, now) || isExpired($0, now) }) else { return }
        for connection in connections.all {
            if isStalled(connection, now) {
                closeConnection(connection)  // answers left unread for too long
                continue
            }
            guard isExpired(connection, now) else { continue }
            if connection.phase == .idle || connection.pendingOutput > 0 {
                closeConnection(connection)  // idle keep-alive, or a client not reading its answers
            } else {
                // A request started and stalled: say so, then close (a slow client cannot hold us).
                connection.consumeInput(connection.pendingInput)
                queue(errorResponse(408, "the request was not received in time"), on: connection, keepAlive: false)
                markDirty(connection)
            }
        }
    }

    /// Output left unread for longer than the write timeout.
    private func isStalled(_ connection: Connection, _ now: Double) -> Bool {
        connection.writeStalledSince.map { now - $0 >= configuration.writeTimeout } ?? false
    }

    /// Past the deadline of its phase, with no answer being worked on.
    private func isExpired(_ connection: Connection, _ now: Double) -> Bool {
        connection.deadline <= now && !connection.awaitingResponse
    }

    private func beginShutdown(_ now: Double) {
        if listening {
            listening = false
            epoll_ctl(epollFD, EPOLL_CTL_DEL, listenerFD, nil)
            close(listenerFD)  // new connections are refused from here on
            shutdownDeadline = now + configuration.shutdownGrace
        }
        // Quiet connections close now; busy ones close after their current response.
        for connection in connections.all {
            if connection.isQuiet {
                closeConnection(connection)
            } else {
                connection.closeAfterWrite = true
            }
        }
    }

    private func closeConnection(_ connection: Connection) {
        guard connections[connection.fd] === connection else { return }
        connections[connection.fd] = nil
        epoll_ctl(epollFD, EPOLL_CTL_DEL, connection.fd, nil)
        close(connection.fd)
        shared.connectionClosed()
    }

    private func register(_ fd: Int32, events: UInt32) throws {
        var event = epoll_event()
        event.events = events
        event.data.fd = fd
        guard epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event) == 0 else { throw ServerError("epoll_ctl") }
    }

    /// The server's own refusals, in the handler's error format.
    private func errorResponse(_ status: Int, _ message: String) -> HTTPResponse {
        handler.errorResponse(status: status, message: message)
    }
}

/// State the loops share: the connection count and the shutdown flag.
final class ServerState: Sendable {
    private let open = Atomic<Int>(0)
    private let shuttingDown = Atomic<Bool>(false)

    var isShuttingDown: Bool { shuttingDown.load(ordering: .acquiring) }
    var openConnections: Int { open.load(ordering: .relaxed) }

    func beginShutdown() { shuttingDown.store(true, ordering: .releasing) }

    /// Counts a new connection unless that would exceed `limit`.
    func connectionOpened(limit: Int) -> Bool {
        let now = open.add(1, ordering: .relaxed).newValue
        if now > limit {
            open.subtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func connectionClosed() { open.subtract(1, ordering: .relaxed) }
}

/// Monotonic time in seconds (for timeouts and latencies; never goes back).
public enum Monotonic {
    public static func seconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

/// The Date header (IMF-fixdate), formatted once per second.
struct DateCache {
    private var second = 0
    private var text: [UInt8] = []

    mutating func now() -> [UInt8] {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        if ts.tv_sec != second || text.isEmpty {
            second = ts.tv_sec
            var t = time_t(ts.tv_sec)
            var parts = tm()
            gmtime_r(&t, &parts)
            var buffer = [CChar](repeating: 0, count: 64)
            let n = strftime(&buffer, buffer.count, "%a, %d %b %Y %H:%M:%S GMT", &parts)
            text = buffer[0..<n].map { UInt8(bitPattern: $0) }
        }
        return text
    }
}
