import HTTPServer
import Testing

@Suite("HTTP parser")
struct HTTPParserTests {
    static let valid: [String] = [
        "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "POST /predict HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 14\r\n\r\n{\"features\":1}",
        "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\nTrailer: x\r\n\r\n",
        "GET /health HTTP/1.0\r\n\r\n",
        "GET /a?b=c%20d&e=f+g HTTP/1.1\nHost: a\n\n",
    ]

    func parse(_ text: String, _ limits: HTTPLimits = HTTPLimits()) -> HTTPParseResult {
        HTTPParser.parse(Array(text.utf8), limits: limits)
    }

    func status(_ text: String, _ limits: HTTPLimits = HTTPLimits()) -> Int? {
        if case .failure(let error) = parse(text, limits) { return error.status }
        return nil
    }

    /// Every control byte but tab, and DEL, is refused wherever it sits in a value of any
    /// length (the check reads eight bytes a step, then the tail); tabs and bytes from 0x80
    /// (obs-text) are taken, and names made of any token byte.
    @Test("control bytes in header values, at every position and length")
    func controlBytes() throws {
        func request(_ value: [UInt8], name: String = "X-V") -> [UInt8] {
            Array("GET / HTTP/1.1\r\nHost: a\r\n\(name): ".utf8) + value + Array("\r\n\r\n".utf8)
        }
        for length in 1...20 {
            for position in 0..<length {
                for bad: UInt8 in [0, 1, 8, 11, 12, 27, 31, 127] {
                    var value = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    value[position] = bad
                    // A value that ends in a control byte still is one (it is not space).
                    guard case .failure(let error) = HTTPParser.parse(request(value)) else {
                        Issue.record("byte \(bad) at \(position) of \(length) taken")
                        continue
                    }
                    #expect(error.status == 400 && error.message.contains("control character"), "\(error)")
                }
                var fine = [UInt8](repeating: UInt8(ascii: "b"), count: length)
                fine[position] = [9, 0x80, 0xFF, 0x7E, 0x20][position % 5]
                if case .failure(let error) = HTTPParser.parse(request(fine)) {
                    Issue.record("value \(fine) refused: \(error.message)")
                }
            }
        }
        guard case .complete(let request, _) = HTTPParser.parse(request(Array("v".utf8), name: "!#$%&'*+-.^_`|~09aZ"))
        else {
            Issue.record("a name of token bytes was refused")
            return
        }
        #expect(request.header("!#$%&'*+-.^_`|~09az") == "v")
        #expect(status("GET / HTTP/1.1\r\nHost: a\r\nX(: v\r\n\r\n") == 400)
    }

    /// Fields are kept as the received lines and read on demand: names as sent, values
    /// without the spaces around them, any line ending the parser took, repeats in order.
    @Test("header fields read back as sent, in any case, with repeats and bare LF")
    func fields() throws {
        let text =
            "POST /p?q=1 HTTP/1.1\r\nhost: example\r\nX-Routing-Key:\t user-7 \r\nAccept: text/html\n"
            + "X-Empty:\r\naccept: */*\r\nContent-Length: 2\r\n\r\nok"
        guard case .complete(let request, let consumed) = parse(text) else {
            Issue.record("not complete")
            return
        }
        #expect(consumed == text.utf8.count)
        #expect(
            request.headers.map(\.name) == ["host", "X-Routing-Key", "Accept", "X-Empty", "accept", "Content-Length"])
        #expect(request.headers.map(\.value) == ["example", "user-7", "text/html", "", "*/*", "2"])
        #expect(request.header("x-routing-key") == "user-7")
        #expect(request.header("HOST") == "example")
        #expect(request.header("X-Empty") == "")
        #expect(request.header("Authorization") == nil)
        #expect(request.values(of: "ACCEPT") == ["text/html", "*/*"])
        #expect(request.body == Array("ok".utf8))
        // A request built by hand (the in-process client's way) reads back the same way.
        var built = HTTPRequest(method: "GET", target: "/", headers: [("A", "1"), ("b", " 2")])
        #expect(built.header("a") == "1" && built.header("B") == "2")
        built.headers = [("C", "3")]
        #expect(built.headers.map(\.name) == ["C"] && built.header("a") == nil)
    }

    @Test("every prefix of a valid request is incomplete, never an error", arguments: valid)
    func prefixes(text: String) {
        let bytes = Array(text.utf8)
        for length in 0..<bytes.count {
            if case .incomplete = HTTPParser.parse(Array(bytes[0..<length])) { continue }
            Issue.record("prefix of \(length) bytes of \(text.debugDescription) was not incomplete")
            return
        }
        guard case .complete(_, let consumed) = HTTPParser.parse(bytes) else {
            Issue.record("\(text.debugDescription) did not parse")
            return
        }
        #expect(consumed == bytes.count)
    }

    @Test("a complete request's parts")
    func parts() throws {
        guard case .complete(let r, _) = parse(Self.valid[2]) else { Issue.record("no"); return }
        #expect(r.method == "POST")
        #expect(r.body == Array("Wikipedia".utf8))
        #expect(r.keepAlive)
        guard case .complete(let q, _) = parse(Self.valid[4]) else { Issue.record("no"); return }
        #expect(q.path == "/a")
        #expect(q.queryItems == ["b": "c d", "e": "f g"])
        guard case .complete(let old, _) = parse(Self.valid[3]) else { Issue.record("no"); return }
        #expect(!old.keepAlive)
        guard case .complete(let kept, _) = parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n") else {
            Issue.record("HTTP/1.0 keep-alive request did not parse"); return
        }
        #expect(kept.keepAlive)
        guard case .complete(let closed, _) = parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n") else {
            Issue.record("Connection: close request did not parse")
            return
        }
        #expect(!closed.keepAlive)
    }

    @Test("pipelined requests parse one after another")
    func pipelined() {
        let text = Self.valid[0] + Self.valid[1] + Self.valid[0]
        var bytes = Array(text.utf8)[...]
        var methods: [String] = []
        while !bytes.isEmpty, case .complete(let request, let consumed) = HTTPParser.parse(Array(bytes)) {
            methods.append(request.method)
            bytes = bytes.dropFirst(consumed)
        }
        #expect(methods == ["GET", "POST", "GET"])
        #expect(bytes.isEmpty)
    }

    @Test(
        "request smuggling shapes are refused",
        arguments: [
            ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400),
            ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 4\r\n\r\nabcd", 400),
            ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc", 400),
            ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
            ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", 501),
            ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length : 3\r\n\r\nabc", 400),
            ("POST / HTTP/1.1\r\nHost: a\r\n Content-Length: 3\r\n\r\nabc", 400),
            ("POST / HTTP/1.1\r\nHost: a\r\nX: 1\r\n folded\r\n\r\n", 400),
            ("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nHost: a\rX: y\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nHost: a\r\r\n\r\n", 400),
            ("GET /\r HTTP/1.1\r\nHost: a\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nHost: a\rX", 400),
            ("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r2\r\n\r\n", 400),
        ])
    func smuggling(text: String, expected: Int) {
        #expect(status(text) == expected, "\(text.debugDescription)")
    }

    @Test(
        "a CR not followed by LF is refused as such, complete line or not",
        arguments: [
            "GET / HTTP/1.1\r\nHost: a\rX: y\r\n\r\n", "GET / HTTP/1.1\r\nHost: a\r\r\n\r\n",
            "GET /\r HTTP/1.1\r\nHost: a\r\n\r\n", "GET / HTTP/1.1\r\nHost: a\rX",
        ])
    func bareCR(text: String) {
        guard case .failure(let error) = parse(text, HTTPLimits()) else {
            Issue.record("\(text.debugDescription) was not refused")
            return
        }
        #expect(error.status == 400 && error.message == "bare CR in the request head", "\(error.message)")
    }

    @Test(
        "clear status codes for other bad requests",
        arguments: [
            ("GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505),
            ("GET / HTTP/1.1\r\n\r\n", 400),
            ("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
            ("GET nopath HTTP/1.1\r\nHost: a\r\n\r\n", 400),
            ("G@T / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
            ("POST /p HTTP/1.1\r\nHost: a\r\n\r\n", 411),
            ("GET / HTTP/1.1\r\nHost: a\r\nExpect: magic\r\n\r\n", 417),
            ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n", 400),
        ])
    func badRequests(text: String, expected: Int) {
        #expect(status(text) == expected, "\(text.debugDescription)")
    }

    @Test("limits: exactly at the limit passes, one over fails with the right status")
    func limits() {
        var limits = HTTPLimits()
        limits.maxHeaderBytes = 200
        limits.maxHeaderCount = 5
        limits.maxBodyBytes = 10
        func head(padTo size: Int) -> String {
            let base = "GET / HTTP/1.1\r\nHost: a\r\nX: \r\n\r\n"
            return "GET / HTTP/1.1\r\nHost: a\r\nX: " + String(repeating: "x", count: size - base.utf8.count)
                + "\r\n\r\n"
        }
        guard case .complete = parse(head(padTo: 200), limits) else { Issue.record("200-byte head refused"); return }
        #expect(status(head(padTo: 201), limits) == 431)
        #expect(status("GET /" + String(repeating: "a", count: 300) + " HTTP/1.1\r\nHost: a\r\n\r\n", limits) == 414)
        let five = (1...4).map { "X\($0): 1\r\n" }.joined()
        guard case .complete = parse("GET / HTTP/1.1\r\nHost: a\r\n\(five)\r\n", limits) else {
            Issue.record("5 headers refused"); return
        }
        #expect(status("GET / HTTP/1.1\r\nHost: a\r\n\(five)X5: 1\r\n\r\n", limits) == 431)
        guard case .complete = parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789", limits)
        else {
            Issue.record("10-byte body refused"); return
        }
        #expect(status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n", limits) == 413)
        #expect(
            status(
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nb\r\n0123456789a\r\n0\r\n\r\n", limits)
                == 413)
    }

    @Test("every byte value in header names and values is either accepted or refused with 400")
    func allBytes() {
        for byte in 0...255 {
            let b = UInt8(byte)
            let inName = Array("GET / HTTP/1.1\r\nHost: a\r\nX".utf8) + [b] + Array(": v\r\n\r\n".utf8)
            let inValue = Array("GET / HTTP/1.1\r\nHost: a\r\nX: v".utf8) + [b] + Array("w\r\n\r\n".utf8)
            for (bytes, place) in [(inName, "name"), (inValue, "value")] {
                switch HTTPParser.parse(bytes) {
                case .complete(let r, _):
                    let isToken =
                        (48...57).contains(b) || (65...90).contains(b) || (97...122).contains(b)
                        || Array("!#$%&'*+-.^_`|~".utf8).contains(b)
                    // ':' ends the name early ("X:" with value ": v"), which is a valid field.
                    if place == "name" { #expect(isToken || b == 58, "byte \(byte) accepted in a header name") }
                    if place == "value" { #expect(b == 9 || b >= 32 && b != 127, "byte \(byte) accepted in a value") }
                    _ = r
                case .failure(let e):
                    #expect(e.status == 400, "byte \(byte) in \(place): \(e.status)")
                case .incomplete:
                    #expect(b == 10 && place == "name", "byte \(byte) in \(place) left the request incomplete")
                }
            }
        }
    }

    @Test("Expect: 100-continue is reported once the head is in")
    func expectContinue() {
        let head = "POST /p HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"
        guard case .incomplete(let complete, let expects) = parse(head) else { Issue.record("not incomplete"); return }
        #expect(complete && expects)
        guard case .complete(let r, _) = parse(head + "abcd") else { Issue.record("no"); return }
        #expect(r.body == Array("abcd".utf8))
    }

    @Test("chunked trailers count against the header limits: at the limit passes, one over is 431")
    func trailerLimits() {
        var limits = HTTPLimits()
        limits.maxHeaderBytes = 200
        limits.maxHeaderCount = 5
        let head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        let body = "2\r\n{}\r\n0\r\n"
        // Room left for trailers: the limit minus the head; the trailer section ends with CRLF.
        let room = 200 - head.utf8.count
        func trailer(_ size: Int) -> String {
            let pad = size - "X-T: \r\n\r\n".utf8.count
            return "X-T: " + String(repeating: "t", count: pad) + "\r\n\r\n"
        }
        guard case .complete(let r, _) = parse(head + body + trailer(room), limits) else {
            Issue.record("a trailer section that fits was refused"); return
        }
        #expect(r.body == Array("{}".utf8))
        #expect(status(head + body + trailer(room + 1), limits) == 431)
        // An endless trailer is refused once it passes the limit, without waiting for more.
        #expect(status(head + body + "X-T: " + String(repeating: "t", count: room), limits) == 431)
        // Fields: two in the head (Host, Transfer-Encoding) + three trailers = 5 pass; a sixth fails.
        let three = (1...3).map { "T\($0): 1\r\n" }.joined()
        guard case .complete = parse(head + body + three + "\r\n", limits) else {
            Issue.record("five fields refused"); return
        }
        #expect(status(head + body + three + "T4: 1\r\n\r\n", limits) == 431)
    }

    @Test("a request that does not start with a method is refused at once, not left waiting for a line end")
    func garbageStart() {
        #expect(status(String(repeating: "\u{0}", count: 5_000)) == 400)
        #expect(status("\u{16}\u{3}\u{1}") == 400)  // a TLS ClientHello on the plain port
        #expect(status("GET\u{0}") == 400)
        guard case .incomplete = parse("GET") else { Issue.record("a method prefix was refused"); return }
    }
}

@Suite("Response header fields")
struct HTTPHeadersTests {
    /// Fields come back in the order appended, whether held inline (the first two) or in
    /// the overflow array, and the lookup ignores case.
    @Test func order() {
        for count in 0...5 {
            var headers = HTTPHeaders()
            for i in 0..<count { headers.append(("H\(i)", "v\(i)")) }
            #expect(headers.map(\.name) == (0..<count).map { "H\($0)" })
            #expect(headers.map(\.value) == (0..<count).map { "v\($0)" })
            if count > 0 { #expect(headers["h\(count - 1)"] == "v\(count - 1)") }
            #expect(headers["h\(count)"] == nil)
        }
        let literal: HTTPHeaders = [("A", "1"), ("B", "2"), ("C", "3")]
        #expect(literal.map(\.name) == ["A", "B", "C"])
    }
}
