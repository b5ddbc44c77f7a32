/// A response to send: status, headers and a body. The server adds Content-Length,
/// Connection and Date.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public init(status: Int, contentType: String, body: String) {
        self.init(status: status, headers: [("Content-Type", contentType)], body: Array(body.utf8))
    }

    /// The standard reason phrase of a status code.
    public static func reason(_ status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 204: "No Content"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 411: "Length Required"
        case 413: "Content Too Large"
        case 414: "URI Too Long"
        case 415: "Unsupported Media Type"
        case 422: "Unprocessable Content"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 503: "Service Unavailable"
        case 505: "HTTP Version Not Supported"
        default: "Status \(status)"
        }
    }

    /// Status line, headers and body appended to `out` (the connection's output, sent in
    /// one write), built from bytes: no intermediate Strings on the way to the wire.
    func write(into out: inout [UInt8], keepAlive: Bool, date: [UInt8], includeBody: Bool = true) {
        // Grow by doubling: reserving exactly what this response needs would copy a backlog
        // of unsent responses (a slow reader) on every one.
        let needed = out.count + 160 + body.count
        if needed > out.capacity { out.reserveCapacity(max(needed, 2 * out.capacity)) }
        out.append(contentsOf: Self.statusLine(status))
        for (name, value) in headers {
            Self.append(name, to: &out)
            out.append(UInt8(ascii: ":"))
            out.append(UInt8(ascii: " "))
            Self.append(value, to: &out)
            out.append(13)
            out.append(10)
        }
        out.append(contentsOf: Self.contentLength)
        Self.appendDecimal(body.count, to: &out)
        out.append(contentsOf: Self.dateField)
        out.append(contentsOf: date)
        out.append(contentsOf: keepAlive ? Self.keepAliveEnd : Self.closeEnd)
        if includeBody { out.append(contentsOf: body) }
    }

    private static let contentLength = Array("Content-Length: ".utf8)
    private static let dateField = Array("\r\nDate: ".utf8)
    private static let keepAliveEnd = Array("\r\nConnection: keep-alive\r\n\r\n".utf8)
    private static let closeEnd = Array("\r\nConnection: close\r\n\r\n".utf8)

    /// A String's bytes in one copy (appending its UTF8View goes byte by byte).
    private static func append(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { out.append(contentsOf: $0) }
    }

    /// "HTTP/1.1 200 OK\r\n" (made once for 200, by far the most common).
    static func statusLine(_ status: Int) -> [UInt8] {
        if status == 200 { return ok }
        return Array("HTTP/1.1 \(status) \(reason(status))\r\n".utf8)
    }

    private static let ok = Array("HTTP/1.1 200 OK\r\n".utf8)

    static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        precondition(value >= 0)
        var divisor = 1
        while divisor <= value / 10 { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            out.append(UInt8(48 + rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }
}
