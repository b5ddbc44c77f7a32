/// A response to send: status, headers and a body. The server adds Content-Length,
/// Connection and Date.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: Int, headers: HTTPHeaders = [], body: [UInt8] = []) {
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
    /// one write): the head is written on the stack and appended in one copy, then the body
    /// (appending piece by piece cost ~1,000 instructions a response in uniqueness checks and
    /// generic appends; growing the array element by element to write in place, ~400).
    func write(into out: inout [UInt8], keepAlive: Bool, date: [UInt8], includeBody: Bool = true) {
        let ok = status == 200
        let line = ok ? [] : Self.statusLine(status)
        let lineCount = ok ? Self.ok.utf8CodeUnitCount : line.count
        let end = keepAlive ? Self.keepAliveEnd : Self.closeEnd
        let digits = Self.decimalDigits(body.count)
        var size =
            lineCount + Self.contentLength.utf8CodeUnitCount + digits + Self.dateField.utf8CodeUnitCount + date.count
            + end.utf8CodeUnitCount
        headers.forEachField { name, value in size += name.utf8.count + value.utf8.count + 4 }
        let needed = out.count + size + (includeBody ? body.count : 0)
        // Grow by doubling: reserving exactly what this response needs would copy a backlog
        // of unsent responses (a slow reader) on every one.
        if needed > out.capacity { out.reserveCapacity(max(needed, 2 * out.capacity)) }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: size) { head in
            var cursor = UnsafeMutableRawPointer(head.baseAddress!)
            func put(_ bytes: UnsafeRawBufferPointer) {
                guard let source = bytes.baseAddress, bytes.count > 0 else { return }
                cursor.copyMemory(from: source, byteCount: bytes.count)
                cursor += bytes.count
            }
            // The fixed pieces are static strings: read in place, with no lazy global to
            // check and no array to retain (a dozen of each a response).
            func put(_ text: StaticString) {
                put(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
            }
            func put(_ text: String) {
                // In place (a copy to call the mutating withUTF8 retained each String).
                if text.utf8.withContiguousStorageIfAvailable({ put(UnsafeRawBufferPointer($0)) }) == nil {
                    var text = text
                    text.withUTF8 { put(UnsafeRawBufferPointer($0)) }
                }
            }
            if ok { put(Self.ok) } else { line.withUnsafeBytes(put) }
            headers.forEachField { name, value in
                put(name)
                put(": " as StaticString)
                put(value)
                put("\r\n" as StaticString)
            }
            put(Self.contentLength)
            var rest = body.count
            for k in stride(from: digits - 1, through: 0, by: -1) {
                cursor.storeBytes(of: UInt8(48 + rest % 10), toByteOffset: k, as: UInt8.self)
                rest /= 10
            }
            cursor += digits
            put(Self.dateField)
            date.withUnsafeBytes(put)
            put(end)
            out.append(contentsOf: UnsafeBufferPointer(head))
        }
        if includeBody { out.append(contentsOf: body) }
    }

    private static let contentLength: StaticString = "Content-Length: "
    private static let dateField: StaticString = "\r\nDate: "
    private static let keepAliveEnd: StaticString = "\r\nConnection: keep-alive\r\n\r\n"
    private static let closeEnd: StaticString = "\r\nConnection: close\r\n\r\n"

    /// Digits of a non-negative decimal.
    static func decimalDigits(_ value: Int) -> Int {
        precondition(value >= 0)
        var digits = 1
        var rest = value
        while rest >= 10 {
            rest /= 10
            digits += 1
        }
        return digits
    }

    /// The status line of a status other than 200 (whose line is a static string: it is
    /// by far the most common).
    static func statusLine(_ status: Int) -> [UInt8] {
        Array("HTTP/1.1 \(status) \(reason(status))\r\n".utf8)
    }

    private static let ok: StaticString = "HTTP/1.1 200 OK\r\n"
}
