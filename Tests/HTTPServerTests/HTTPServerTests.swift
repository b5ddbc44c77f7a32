import Foundation
import HTTPServer
import Synchronization
import TestSupport
import Testing

/// Echoes method, path and body; `/slow` and `/narrow` run off the loop and wait for the test
/// to open a gate (`/narrow` in a lane of one).
final class EchoHandler: HTTPHandler {
    let gate = DispatchSemaphore(value: 0)
    let slowStarted = DispatchSemaphore(value: 0)
    let slow = WorkLane(name: "slow", limit: 1_000)
    let narrow = WorkLane(name: "narrow", limit: 1)

    func dispatch(_ request: consuming HTTPRequest) -> Dispatch {
        let request = copy request
        switch request.path {
        case "/slow", "/narrow":
            return .offLoop(request.path == "/slow" ? slow : narrow) { [self] refused in
                if let refused { return refusal(of: request, refused) }
                slowStarted.signal()
                gate.wait()
                return echo(request)
            }
        default:
            return .answer(echo(request))
        }
    }

    func echo(_ request: HTTPRequest) -> HTTPResponse {
        let body = "\(request.method) \(request.target) \(String(decoding: request.body, as: UTF8.self))"
        return HTTPResponse(status: 200, contentType: "text/plain", body: body)
    }

    func refusal(of request: HTTPRequest, _ refused: Refusal) -> HTTPResponse {
        HTTPResponse(
            status: refused.status, contentType: "text/plain",
            body: "echo refused \(request.path) \(refused.status): \(refused.message)")
    }

    /// The server's refusals in this handler's own format: the server adds none of its own.
    func errorResponse(status: Int, message: String) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "text/plain", body: "echo refused \(status): \(message)")
    }
}

@Suite("HTTP server over real sockets", .serialized)
struct HTTPServerTests {
    func withServer(
        _ tweak: (inout ServerConfiguration) -> Void = { _ in }, _ body: (HTTPServer, EchoHandler) throws -> Void
    ) throws {
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.threads = 2
        tweak(&configuration)
        let handler = EchoHandler()
        let server = HTTPServer(configuration: configuration, handler: handler)
        try server.start()
        defer {
            server.shutdown()
            server.wait()
        }
        try body(server, handler)
    }

    @Test("keep-alive: several requests on one connection")
    func keepAlive() throws {
        try withServer { server, _ in
            let client = try TestClient(port: server.port)
            for i in 0..<3 {
                try client.send("GET /n/\(i) HTTP/1.1\r\nHost: t\r\n\r\n")
                let response = try client.readResponse()
                #expect(response.status == 200)
                #expect(response.body == "GET /n/\(i) ")
                #expect(response.headers["connection"] == "keep-alive")
                #expect(response.headers["date"]?.hasSuffix("GMT") == true)
            }
        }
    }

    @Test("pipelined requests are answered in order")
    func pipelining() throws {
        try withServer { server, _ in
            let client = try TestClient(port: server.port)
            try client.send(
                "GET /a HTTP/1.1\r\nHost: t\r\n\r\nPOST /b HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nxyzGET /c HTTP/1.1\r\nHost: t\r\n\r\n"
            )
            #expect(try client.readResponse().body == "GET /a ")
            #expect(try client.readResponse().body == "POST /b xyz")
            #expect(try client.readResponse().body == "GET /c ")
        }
    }

    @Test("a request sent a byte at a time is answered")
    func byteByByte() throws {
        try withServer { server, _ in
            let client = try TestClient(port: server.port)
            for byte in Array("POST /drip HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nok".utf8) {
                try client.send([byte])
            }
            #expect(try client.readResponse().body == "POST /drip ok")
        }
    }

    @Test("HEAD gets the headers and Content-Length but no body")
    func head() throws {
        try withServer { server, _ in
            let client = try TestClient(port: server.port)
            try client.send("HEAD /h HTTP/1.1\r\nHost: t\r\n\r\n")
            let head = try client.readHead()
            #expect(head.hasPrefix("HTTP/1.1 200 OK"))
            #expect(head.contains("Content-Length: 8"))  // the length "HEAD /h " would have
            // Had a body been sent, it would now sit in front of the next response.
            try client.send("GET /after HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try client.readResponse().body == "GET /after ")
        }
    }

    @Test("HEAD of a slow route, answered by a worker, has no body either")
    func headOfSlowRoute() throws {
        try withServer { server, handler in
            let client = try TestClient(port: server.port)
            try client.send("HEAD /slow HTTP/1.1\r\nHost: t\r\n\r\n")
            handler.slowStarted.wait()
            handler.gate.signal()
            let head = try client.readHead()
            #expect(head.contains("Content-Length: 11"))  // "HEAD /slow "
            try client.send("GET /after HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try client.readResponse().body == "GET /after ")
        }
    }

    @Test("HTTP/1.0 closes after the response; Connection: close is honoured")
    func closing() throws {
        try withServer { server, _ in
            let old = try TestClient(port: server.port)
            try old.send("GET /old HTTP/1.0\r\n\r\n")
            let response = try old.readResponse()
            #expect(response.headers["connection"] == "close")
            #expect(try old.readsEOF())
            let closing = try TestClient(port: server.port)
            try closing.send("GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            #expect(try closing.readResponse().status == 200)
            #expect(try closing.readsEOF())
        }
    }

    @Test("Expect: 100-continue gets an interim response before the body is sent")
    func expectContinue() throws {
        try withServer { server, _ in
            let client = try TestClient(port: server.port)
            try client.send("POST /up HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
            #expect(try client.readResponse().status == 100)
            try client.send("hello")
            #expect(try client.readResponse().body == "POST /up hello")
        }
    }

    @Test("a malformed request gets a 400 in the handler's error format and the connection closes")
    func malformed() throws {
        try withServer { server, _ in
            let client = try TestClient(port: server.port)
            try client.send("GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 400)
            #expect(response.body.hasPrefix("echo refused 400: both Content-Length and Transfer-Encoding"))
            #expect(try client.readsEOF())
        }
    }

    @Test("a client that stalls mid-request gets 408; an idle one is closed")
    func timeouts() throws {
        try withServer({
            $0.headerTimeout = 0.3; $0.idleTimeout = 0.5
        }) { server, _ in
            let stalled = try TestClient(port: server.port)
            try stalled.send("GET /slowloris HTTP/1.1\r\nHost: t\r\n")
            let started = Date()
            let response = try stalled.readResponse()
            #expect(response.status == 408)
            #expect(Date().timeIntervalSince(started) < 3)
            #expect(try stalled.readsEOF())
            let idle = try TestClient(port: server.port)
            try idle.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            _ = try idle.readResponse()
            #expect(try idle.readsEOF())  // closed by the idle timeout, well within the 5 s read timeout
        }
    }

    @Test("slow handlers run off the loop: other requests are answered meanwhile")
    func slowHandlersDoNotBlock() throws {
        try withServer({ $0.threads = 1 }) { server, handler in
            let slow = try TestClient(port: server.port)
            try slow.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
            handler.slowStarted.wait()
            let fast = try TestClient(port: server.port)
            try fast.send("GET /fast HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try fast.readResponse().body == "GET /fast ")
            handler.gate.signal()
            #expect(try slow.readResponse().body == "GET /slow ")
        }
    }

    @Test("slow requests beyond the worker queue get a 503 with Retry-After; queued ones are answered")
    func workerQueueLimit() throws {
        try withServer({
            $0.workerThreads = 1; $0.workerQueue = 1
        }) { server, handler in
            let first = try TestClient(port: server.port)
            try first.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
            handler.slowStarted.wait()  // the one worker is busy
            // Two more: one takes the queue's only place, the other is refused at once. Which is
            // which depends on the order the loops read them, so look at whichever answers.
            let b = try TestClient(port: server.port)
            let c = try TestClient(port: server.port)
            try b.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
            try c.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
            var fds = [
                pollfd(fd: b.fd, events: Int16(POLLIN), revents: 0),
                pollfd(fd: c.fd, events: Int16(POLLIN), revents: 0),
            ]
            #expect(poll(&fds, 2, 5_000) == 1, "exactly one of the two is answered while the worker is busy")
            let (refusedClient, queuedClient) = fds[0].revents != 0 ? (b, c) : (c, b)
            let refused = try refusedClient.readResponse()
            #expect(refused.status == 503)
            #expect(refused.headers["retry-after"] == "1")
            handler.gate.signal()
            #expect(try first.readResponse().status == 200)
            handler.slowStarted.wait()
            handler.gate.signal()
            #expect(try queuedClient.readResponse().status == 200)
        }
    }

    @Test("a full lane refuses its own kind with a 503 through the handler, while other off-loop work still runs")
    func laneLimit() throws {
        try withServer({ $0.workerThreads = 4 }) { server, handler in
            let first = try TestClient(port: server.port)
            try first.send("GET /narrow HTTP/1.1\r\nHost: t\r\n\r\n")
            handler.slowStarted.wait()  // the narrow lane's one place is taken
            let refused = try TestClient(port: server.port).request("GET", "/narrow")
            #expect(refused.status == 503)
            #expect(refused.headers["retry-after"] == "1")
            #expect(refused.body == "echo refused /narrow 503: the server is busy with narrow requests; retry shortly")
            #expect(handler.narrow.depth == 1)
            // Another lane is not held back by the full one.
            let other = try TestClient(port: server.port)
            try other.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
            handler.slowStarted.wait()
            handler.gate.signal()
            handler.gate.signal()
            #expect(try first.readResponse().body == "GET /narrow ")
            #expect(try other.readResponse().body == "GET /slow ")
            // The slot is given back once the work is done.
            try first.send("GET /narrow HTTP/1.1\r\nHost: t\r\n\r\n")
            handler.slowStarted.wait()
            handler.gate.signal()
            #expect(try first.readResponse().status == 200)
        }
    }

    @Test("graceful shutdown finishes the request in flight, then refuses new connections")
    func gracefulShutdown() throws {
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.threads = 1
        let handler = EchoHandler()
        let server = HTTPServer(configuration: configuration, handler: handler)
        try server.start()
        let port = server.port
        let inFlight = try TestClient(port: port)
        try inFlight.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
        handler.slowStarted.wait()
        // An answered keep-alive connection: accepted, so not one still in the listen backlog
        // (those the kernel resets when the listener closes).
        let idle = try TestClient(port: port)
        try idle.send("GET /first HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try idle.readResponse().status == 200)
        server.shutdown()
        #expect(try idle.readsEOF())  // idle connections close at once
        handler.gate.signal()
        let response = try inFlight.readResponse()
        #expect(response.status == 200)
        #expect(response.headers["connection"] == "close")
        server.wait()
        #expect(throws: (any Error).self) { _ = try TestClient(port: port) }
    }

    @Test("connections beyond the limit get a 503 with Retry-After, then close")
    func maxConnections() throws {
        try withServer({
            $0.maxConnections = 2; $0.threads = 1
        }) { server, _ in
            let a = try TestClient(port: server.port)
            let b = try TestClient(port: server.port)
            try a.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            try b.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            _ = try a.readResponse()
            _ = try b.readResponse()
            let c = try TestClient(port: server.port)
            try c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            let refused = try c.readResponse()
            #expect(refused.status == 503)
            #expect(refused.headers["retry-after"] == "1")
            #expect(refused.body.contains("connection limit"))
            #expect(try c.readsEOF())
            #expect(server.openConnections == 2)
        }
    }

    @Test("a new connection that sends nothing is closed at the header timeout, not the idle one")
    func silentConnection() throws {
        try withServer({
            $0.headerTimeout = 0.3; $0.idleTimeout = 30
        }) { server, _ in
            let silent = try TestClient(port: server.port, timeout: 10)
            let started = Date()
            #expect(try silent.readsEOF())
            #expect(Date().timeIntervalSince(started) < 5)
        }
    }

    @Test("a client that pipelines and never reads is held back, then dropped at the write timeout")
    func nonReadingClient() throws {
        try withServer({
            $0.writeTimeout = 0.5; $0.maxPendingOutput = 64 * 1024; $0.threads = 1
        }) { server, _ in
            let greedy = try TestClient(port: server.port)
            var small = Int32(4096)
            setsockopt(greedy.fd, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
            // Requests whose answers are large (the echo repeats the 8 KiB path) and never read.
            let request = Array("GET /\(String(repeating: "p", count: 8_000)) HTTP/1.1\r\nHost: t\r\n\r\n".utf8)
            var sendTimeout = timeval(tv_sec: 0, tv_usec: 200_000)
            setsockopt(greedy.fd, SOL_SOCKET, SO_SNDTIMEO, &sendTimeout, socklen_t(MemoryLayout<timeval>.size))
            var sent = 0
            let started = Date()
            // The server stops reading once its output is full, so our sends block (then time out).
            while Date().timeIntervalSince(started) < 20 {
                let n = request.withUnsafeBytes { Glibc.send(greedy.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if n <= 0 { break }
                sent += n
            }
            #expect(sent < 64 << 20, "the server kept reading \(sent) bytes from a client that never reads")
            // Another client is served meanwhile, and the greedy one is dropped.
            let other = try TestClient(port: server.port)
            try other.send("GET /ok HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try other.readResponse().status == 200)
            let deadline = Date().addingTimeInterval(10)
            while server.openConnections > 1 && Date() < deadline { usleep(20_000) }
            #expect(server.openConnections == 1)
        }
    }

    @Test("a second server on a port in use fails clearly instead of sharing it")
    func portInUse() throws {
        try withServer { server, _ in
            var configuration = ServerConfiguration()
            configuration.port = server.port
            let second = HTTPServer(configuration: configuration, handler: EchoHandler())
            let error = #expect(throws: ServerError.self) { try second.start() }
            #expect(error?.code == EADDRINUSE)
            #expect(error?.description.contains("Address already in use") == true, "\(String(describing: error))")
            // The first server still answers every connection.
            for _ in 0..<4 {
                let client = try TestClient(port: server.port)
                try client.send("GET /still HTTP/1.1\r\nHost: t\r\n\r\n")
                #expect(try client.readResponse().status == 200)
            }
        }
    }

    @Test("loop threads ask the scheduler for the configured short slice")
    func loopTimeSlice() throws {
        try withServer({
            $0.threads = 3
            $0.loopTimeSlice = 0.000_25
        }) { server, _ in
            let client = try TestClient(port: server.port)
            try client.send("GET /slice HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try client.readResponse().status == 200)
            // Custom slices arrived in Linux 6.12; /proc shows each thread's as se.slice (ns).
            var name = utsname()
            uname(&name)
            let release = withUnsafeBytes(of: name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            let version = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
            // Older kernels have no such slices: there the request above shows the server runs.
            if version.lexicographicallyPrecedes([6, 12]) { return }
            let tasks = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")
            let slices = tasks.compactMap {
                try? String(contentsOfFile: "/proc/self/task/\($0)/sched", encoding: .utf8)
            }
            .compactMap { $0.split(separator: "\n").first { $0.hasPrefix("se.slice") } }
            .compactMap { $0.split(separator: ":").last.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
            #expect(slices.filter { $0 == 250_000 }.count == 3, "\(release): \(slices)")
        }
    }

    @Test("IPv6 works")
    func ipv6() throws {
        try withServer({ $0.host = "::1" }) { server, _ in
            let client = try TestClient(port: server.port, host: "::1")
            try client.send("GET /v6 HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try client.readResponse().body == "GET /v6 ")
        }
    }
}
