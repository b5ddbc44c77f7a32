import Glibc

/// Limits the parser enforces; each breach has its own status code.
public struct HTTPLimits: Sendable, Equatable {
    /// Request line plus header section, in bytes (431 beyond; 414 if the line alone is).
    public var maxHeaderBytes = 16 * 1024
    public var maxHeaderCount = 100
    /// Request body, in bytes (413 beyond).
    public var maxBodyBytes = 1 << 20

    public init() {}
}

/// A request the parser refuses, with the status to answer and why.
public struct HTTPParseError: Error, Sendable, Equatable {
    public let status: Int
    public let message: String
}

/// What the bytes received so far amount to.
public enum HTTPParseResult: Sendable {
    /// More bytes are needed. `headersComplete` with `expectsContinue`: the client waits
    /// for "100 Continue" before sending the body.
    case incomplete(headersComplete: Bool, expectsContinue: Bool)
    /// A whole request, and how many bytes of the buffer it used (the rest may be the next,
    /// pipelined, request).
    case complete(HTTPRequest, consumed: Int)
    case failure(HTTPParseError)
}

/// HTTP/1.x request parsing as a pure function over the bytes received so far (RFC 9112).
///
/// Strict where leniency enables smuggling or ambiguity: Content-Length together with
/// Transfer-Encoding, differing Content-Lengths, obsolete line folding, whitespace before a
/// header's colon, control characters in fields and bare CR are all refused. A bare LF ends
/// a line (RFC 9112 §2.2 allows recipients to accept it).
public enum HTTPParser {
    public static func parse(_ buffer: UnsafeRawBufferPointer, limits: HTTPLimits = HTTPLimits()) -> HTTPParseResult {
        var parser = Cursor(bytes: buffer)
        do {
            return try parser.request(limits)
        } catch let error as HTTPParseError {
            return .failure(error)
        } catch {
            return .failure(HTTPParseError(status: 400, message: "malformed request"))
        }
    }

    public static func parse(_ bytes: [UInt8], limits: HTTPLimits = HTTPLimits()) -> HTTPParseResult {
        bytes.withUnsafeBytes { parse($0, limits: limits) }
    }
}

private struct Cursor {
    let bytes: UnsafeRawBufferPointer
    var position = 0

    init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    static func fail(_ status: Int, _ message: String) -> HTTPParseError {
        HTTPParseError(status: status, message: message)
    }

    /// tchar (RFC 9110 §5.6.2): digits, letters and !#$%&'*+-.^_`|~, as a bit set of the
    /// ASCII bytes (two words, no table to load and bounds-check at every byte).
    @inline(__always)
    static func isToken(_ byte: UInt8) -> Bool {
        let low: UInt64 = 0x03ff_6cfa_0000_0000
        let high: UInt64 = 0x57ff_ffff_c7ff_fffe
        return byte < 64 ? (low >> UInt64(byte)) & 1 != 0 : byte < 128 && (high >> UInt64(byte - 64)) & 1 != 0
    }

    /// A token byte, letters and '-' (nearly every header name) told first in two steps.
    @inline(__always)
    static func isNameByte(_ byte: UInt8) -> Bool {
        (byte | 0x20) &- 97 < 26 || byte == 45 || isToken(byte)
    }

    /// Whether `start..<end` holds a control byte other than tab (or DEL): eight bytes a
    /// step, each word tested for a byte below 0x20 or equal to 0x7F at once, and only a
    /// word that may hold one looked at byte by byte (a tab sets the test off too).
    static func hasControl(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var k = start
        while k + 8 <= end {
            let word = bytes.loadUnaligned(fromByteOffset: k, as: UInt64.self)
            // A byte below 0x20, or 0x7F (x ^ 0x7F is then zero): Mycroft's "has less than"
            // test; bytes of 0x80 and up (obs-text) never set it.
            let below = (word &- ones &* 0x20) & ~word & highs
            let del = word ^ (ones &* 0x7F)
            let isDel = (del &- ones) & ~del & highs
            if below | isDel != 0 {
                for i in k..<k + 8 where isControl(bytes[i]) { return true }
            }
            k += 8
        }
        while k < end {
            if isControl(bytes[k]) { return true }
            k += 1
        }
        return false
    }

    @inline(__always)
    static func isControl(_ b: UInt8) -> Bool { (b < 32 && b != 9) || b == 127 }

    /// The next line's end (index of LF) and its content end (before CR), within `limit`.
    /// Found with memchr (the LF, then any CR before it), not byte by byte.
    func lineEnd(from start: Int, limit: Int) throws -> (content: Int, next: Int)? {
        let end = min(bytes.count, limit)
        guard start < end, let base = bytes.baseAddress else { return nil }
        guard let lf = memchr(base + start, 10, end - start) else {
            // No line end yet: a CR must still be followed by LF (the last byte may be a CR
            // whose LF has not arrived).
            if let cr = memchr(base + start, 13, end - start) {
                let i = base.distance(to: UnsafeRawPointer(cr))
                if i + 1 < bytes.count && bytes[i + 1] != 10 { throw Self.fail(400, "bare CR in the request head") }
            }
            return nil
        }
        let i = base.distance(to: UnsafeRawPointer(lf))
        // A CR anywhere but just before the LF is bare.
        if let cr = memchr(base + start, 13, i - start), base.distance(to: UnsafeRawPointer(cr)) != i - 1 {
            throw Self.fail(400, "bare CR in the request head")
        }
        let content = i > start && bytes[i - 1] == 13 ? i - 1 : i
        return (content, i + 1)
    }

    /// The methods, spelled as sent: matched by bytes and answered with a String made once,
    /// instead of decoding and validating the same few bytes into a new String every request.
    static let common: [(bytes: [UInt8], text: String)] = [
        "GET", "POST", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS",
    ].map { (Array($0.utf8), $0) }

    static func interned(_ bytes: UnsafeRawBufferPointer) -> String {
        for entry in common where entry.bytes.count == bytes.count {
            if entry.bytes.withUnsafeBytes({ memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) }) == 0 {
                return entry.text
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The values of a Content-Length field sent as a comma-separated list.
    static func contentLengths(_ value: String) throws -> [Int] {
        try value.split(separator: ",", omittingEmptySubsequences: false).map { part in
            let text = part.trimmingSpaces()
            guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), text.utf8.count <= 15,
                let n = Int(text)
            else { throw fail(400, "invalid Content-Length '\(value)'") }
            return n
        }
    }

    /// One Content-Length value: the first, or the same again.
    static func note(_ n: Int, in contentLength: inout Int?) throws {
        if let existing = contentLength, existing != n { throw fail(400, "conflicting Content-Length values") }
        contentLength = n
    }

    /// The value of 1 to 15 decimal digits in `start..<end`, else nil.
    func decimal(_ start: Int, _ end: Int) -> Int? {
        guard end > start, end - start <= 15 else { return nil }
        var n = 0
        for i in start..<end {
            let b = bytes[i]
            guard b >= 48 && b <= 57 else { return nil }
            n = n * 10 + Int(b - 48)
        }
        return n
    }

    mutating func request(_ limits: HTTPLimits) throws -> HTTPParseResult {
        // Tolerate empty lines before a request (RFC 9112 §2.2).
        while position < bytes.count && (bytes[position] == 13 || bytes[position] == 10) {
            position += 1
            if position > 64 { throw Self.fail(400, "empty lines instead of a request") }
        }
        let headStart = position
        let headLimit = headStart + limits.maxHeaderBytes
        // A method is a token: a request that starts otherwise (NUL bytes, TLS on the plain
        // port) is refused at its first byte, not after the header timeout.
        var m = position
        while m < bytes.count && m - position < limits.maxHeaderBytes && Self.isToken(bytes[m]) { m += 1 }
        if m < bytes.count && (m == position || bytes[m] != 32) {
            throw Self.fail(400, "malformed request line: expected METHOD SP TARGET SP HTTP/1.1")
        }
        guard let requestLine = try lineEnd(from: position, limit: headLimit) else {
            if bytes.count - headStart >= limits.maxHeaderBytes {
                throw Self.fail(414, "request line longer than \(limits.maxHeaderBytes) bytes")
            }
            return .incomplete(headersComplete: false, expectsContinue: false)
        }
        // Request line: method SP target SP version (the method's end is `m`, found above).
        var i = m
        guard i > position, i < requestLine.content, bytes[i] == 32 else {
            throw Self.fail(400, "malformed request line: expected METHOD SP TARGET SP HTTP/1.1")
        }
        let method = Self.interned(UnsafeRawBufferPointer(rebasing: bytes[position..<i]))
        i += 1
        let targetStart = i
        while i < requestLine.content && bytes[i] > 32 && bytes[i] != 127 { i += 1 }
        guard i > targetStart, i < requestLine.content, bytes[i] == 32 else {
            throw Self.fail(400, "malformed request target")
        }
        let target = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[targetStart..<i]), as: UTF8.self)
        guard
            bytes[targetStart] == UInt8(ascii: "/") || target == "*" || target.hasPrefix("http://")
                || target.hasPrefix("https://")
        else {
            throw Self.fail(400, "request target must be a path starting with /")
        }
        i += 1
        let version = UnsafeRawBufferPointer(rebasing: bytes[i..<requestLine.content])
        let minor: Int
        // "HTTP/1." byte by byte (the generic elementsEqual cost ~400 instructions a request).
        let http1 =
            version.count == 8 && version[0] == 72 && version[1] == 84 && version[2] == 84 && version[3] == 80
            && version[4] == 47 && version[5] == 49 && version[6] == 46
        if http1 && version[7] == UInt8(ascii: "1") {
            minor = 1
        } else if http1 && version[7] == UInt8(ascii: "0") {
            minor = 0
        } else if version.count == 8 && version.starts(with: "HTTP/".utf8) && version[6] == UInt8(ascii: ".")
            && (48...57).contains(version[5]) && (48...57).contains(version[7])
        {
            throw Self.fail(
                505, "HTTP version \(String(decoding: version, as: UTF8.self)) is not supported; use HTTP/1.1")
        } else {
            throw Self.fail(400, "malformed HTTP version")
        }
        position = requestLine.next

        // Header fields until an empty line; the ones that decide framing are noted on the way.
        // The request keeps the lines' bytes, not a String per field.
        let fieldsStart = position
        var fieldsEnd = position
        var fieldCount = 0
        var contentLength: Int?
        var chunked = false
        var hasTransferEncoding = false
        var connectionClose = false
        var connectionKeepAlive = false
        var expectContinue = false
        var hasHost = false
        while true {
            guard let line = try lineEnd(from: position, limit: headLimit) else {
                if bytes.count - headStart >= limits.maxHeaderBytes {
                    throw Self.fail(431, "request head larger than \(limits.maxHeaderBytes) bytes")
                }
                return .incomplete(headersComplete: false, expectsContinue: false)
            }
            if line.content == position {
                fieldsEnd = position
                position = line.next
                break
            }
            if bytes[position] == 32 || bytes[position] == 9 {
                throw Self.fail(400, "obsolete line folding in header fields")
            }
            var j = position
            while j < line.content && Self.isNameByte(bytes[j]) { j += 1 }
            guard j > position, j < line.content, bytes[j] == UInt8(ascii: ":") else {
                throw Self.fail(400, "malformed header field (expected name: value)")
            }
            let nameBytes = UnsafeRawBufferPointer(rebasing: bytes[position..<j])
            j += 1
            var valueStart = j
            var valueEnd = line.content
            while valueStart < valueEnd && (bytes[valueStart] == 32 || bytes[valueStart] == 9) { valueStart += 1 }
            while valueEnd > valueStart && (bytes[valueEnd - 1] == 32 || bytes[valueEnd - 1] == 9) { valueEnd -= 1 }
            if Self.hasControl(bytes, valueStart, valueEnd) {
                throw Self.fail(400, "control character in header \(String(decoding: nameBytes, as: UTF8.self))")
            }
            // Only the few framing fields below read their value as text.
            var value: String {
                String(decoding: UnsafeRawBufferPointer(rebasing: bytes[valueStart..<valueEnd]), as: UTF8.self)
            }
            fieldCount += 1
            if fieldCount > limits.maxHeaderCount {
                throw Self.fail(431, "more than \(limits.maxHeaderCount) header fields")
            }

            // Framing (RFC 9112 §6).
            if nameBytes.equalsIgnoringCase("content-length") {
                // Usually one number, read in place; a list ("5, 5") is split and checked.
                if let n = decimal(valueStart, valueEnd) {
                    try Self.note(n, in: &contentLength)
                } else {
                    for n in try Self.contentLengths(value) { try Self.note(n, in: &contentLength) }
                }
            } else if nameBytes.equalsIgnoringCase("transfer-encoding") {
                hasTransferEncoding = true
                let codings = value.split(separator: ",").map { $0.trimmingSpaces().lowercased() }
                guard codings.last == "chunked", codings.count == 1 else {
                    throw Self.fail(501, "Transfer-Encoding '\(value)' is not supported (only chunked)")
                }
                chunked = true
            } else if nameBytes.equalsIgnoringCase("connection") {
                for option in value.split(separator: ",").map({ $0.trimmingSpaces().lowercased() }) {
                    if option == "close" { connectionClose = true }
                    if option == "keep-alive" { connectionKeepAlive = true }
                }
            } else if nameBytes.equalsIgnoringCase("expect") {
                guard value.lowercased() == "100-continue" else {
                    throw Self.fail(417, "unsupported Expect '\(value)'")
                }
                expectContinue = true
            } else if nameBytes.equalsIgnoringCase("host") {
                if hasHost { throw Self.fail(400, "more than one Host header") }
                hasHost = true
            }
            position = line.next
        }
        if hasTransferEncoding && contentLength != nil {
            throw Self.fail(400, "both Content-Length and Transfer-Encoding: refusing an ambiguous request")
        }
        if hasTransferEncoding && minor == 0 {
            throw Self.fail(400, "Transfer-Encoding in an HTTP/1.0 request")
        }
        if minor == 1 && !hasHost { throw Self.fail(400, "missing Host header") }
        let keepAlive = minor == 1 ? !connectionClose : (connectionKeepAlive && !connectionClose)
        let fields = [UInt8](copying: UnsafeRawBufferPointer(rebasing: bytes[fieldsStart..<fieldsEnd]))
        let needsBody = method == "POST" || method == "PUT" || method == "PATCH"
        if needsBody && contentLength == nil && !chunked {
            throw Self.fail(411, "\(method) needs a Content-Length or chunked body")
        }
        if let contentLength, contentLength > limits.maxBodyBytes {
            throw Self.fail(413, "body of \(contentLength) bytes is larger than the limit of \(limits.maxBodyBytes)")
        }

        var body: [UInt8] = []
        if chunked {
            guard let decoded = try chunkedBody(limits, headBytes: position - headStart, headerCount: fieldCount)
            else {
                return .incomplete(headersComplete: true, expectsContinue: expectContinue)
            }
            body = decoded
        } else if let contentLength, contentLength > 0 {
            guard bytes.count - position >= contentLength else {
                return .incomplete(headersComplete: true, expectsContinue: expectContinue)
            }
            body = [UInt8](copying: UnsafeRawBufferPointer(rebasing: bytes[position..<(position + contentLength)]))
            position += contentLength
        }
        let request = HTTPRequest(
            method: method, target: target, minorVersion: minor, fields: fields, body: body, keepAlive: keepAlive)
        return .complete(request, consumed: position)
    }

    /// Decodes a chunked body starting at `position`; nil if incomplete. Trailer fields
    /// count against the header limits together with the head (`headBytes`, `headerCount`):
    /// a trailer section is headers sent late, and must not grow without bound.
    mutating func chunkedBody(_ limits: HTTPLimits, headBytes: Int, headerCount: Int) throws -> [UInt8]? {
        var body: [UInt8] = []
        var i = position
        while true {
            guard let line = try lineEnd(from: i, limit: i + 1024) else {
                if bytes.count - i >= 1024 { throw Self.fail(400, "chunk size line too long") }
                return nil
            }
            var size = 0
            var digits = 0
            var k = i
            while k < line.content, let v = hexValue(bytes[k]) {
                size = size * 16 + Int(v)
                digits += 1
                k += 1
                if digits > 8 { throw Self.fail(413, "chunk larger than the body limit") }
            }
            guard digits > 0, k == line.content || bytes[k] == UInt8(ascii: ";") || bytes[k] == 32 || bytes[k] == 9
            else {
                throw Self.fail(400, "malformed chunk size")
            }
            i = line.next
            if size == 0 {
                // Trailer fields, ignored, until an empty line.
                let trailerStart = i
                let room = max(0, limits.maxHeaderBytes - headBytes)
                var fields = headerCount
                while true {
                    guard let trailer = try lineEnd(from: i, limit: trailerStart + room) else {
                        if bytes.count - trailerStart >= room {
                            throw Self.fail(431, "request head and trailers larger than \(limits.maxHeaderBytes) bytes")
                        }
                        return nil
                    }
                    let empty = trailer.content == i
                    i = trailer.next
                    if empty { break }
                    fields += 1
                    if fields > limits.maxHeaderCount {
                        throw Self.fail(431, "more than \(limits.maxHeaderCount) header and trailer fields")
                    }
                }
                position = i
                return body
            }
            if body.count + size > limits.maxBodyBytes {
                throw Self.fail(413, "chunked body larger than the limit of \(limits.maxBodyBytes) bytes")
            }
            guard bytes.count - i >= size + 1 else { return nil }
            body.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<(i + size)]))
            i += size
            if bytes[i] == 13 {
                guard bytes.count - i >= 2 else { return nil }
                guard bytes[i + 1] == 10 else { throw Self.fail(400, "chunk data not followed by CRLF") }
                i += 2
            } else if bytes[i] == 10 {
                i += 1
            } else {
                throw Self.fail(400, "chunk data longer than its size")
            }
        }
    }
}

extension Array where Element == UInt8 {
    /// A copy made with one memcpy: `Array(_:)` copies raw bytes one at a time, and
    /// `init(unsafeUninitializedCapacity:)` looks up generic metadata on every call.
    init(copying bytes: UnsafeRawBufferPointer) {
        self.init(UnsafeBufferPointer(start: bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), count: bytes.count))
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}

extension UnsafeRawBufferPointer {
    /// Whether these bytes spell `lowercase` in any ASCII case.
    func equalsIgnoringCase(_ lowercase: StaticString) -> Bool {
        guard count == lowercase.utf8CodeUnitCount else { return false }
        let expected = UnsafeRawBufferPointer(start: lowercase.utf8Start, count: count)
        for i in 0..<count where asciiLowercased(self[i]) != expected[i] { return false }
        return true
    }
}

/// An ASCII letter in lower case; any other byte as it is.
@inline(__always)
func asciiLowercased(_ byte: UInt8) -> UInt8 {
    byte >= 65 && byte <= 90 ? byte | 0x20 : byte
}
