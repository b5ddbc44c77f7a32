/// A parsed HTTP/1.x request.
public struct HTTPRequest: Sendable {
    public var method: String
    /// The request target as sent: path and query.
    public var target: String
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    public var minorVersion: Int
    /// The header section as received and checked by the parser, one `name: value` line per
    /// field: fields are read from it when asked for, so a request makes no String or array
    /// for headers nobody reads.
    private var fields: [UInt8]
    public var body: [UInt8]
    /// Whether the connection stays open after the response.
    public var keepAlive: Bool
    /// The peer's address, filled in by the server.
    public var remoteAddress = ""
    /// Which event loop (0 ..< threads) reads this request and will send its answer.
    public var loop = 0

    /// A request as the parser would produce it; also how tests drive a handler without a
    /// socket.
    public init(
        method: String, target: String, minorVersion: Int = 1, headers: [(name: String, value: String)] = [],
        body: [UInt8] = [], keepAlive: Bool = true, remoteAddress: String = "", loop: Int = 0
    ) {
        self.init(
            method: method, target: target, minorVersion: minorVersion, fields: Self.lines(headers), body: body,
            keepAlive: keepAlive)
        self.remoteAddress = remoteAddress
        self.loop = loop
    }

    /// The parser's way in: the header lines as received (already checked).
    init(method: String, target: String, minorVersion: Int, fields: [UInt8], body: [UInt8], keepAlive: Bool) {
        self.method = method
        self.target = target
        self.minorVersion = minorVersion
        self.fields = fields
        self.body = body
        self.keepAlive = keepAlive
    }

    /// Header fields in order, names as sent.
    public var headers: [(name: String, value: String)] {
        get {
            var out: [(name: String, value: String)] = []
            forEachField { name, value in
                out.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
                return true
            }
            return out
        }
        set { fields = Self.lines(newValue) }
    }

    /// The first value of a header, matched case-insensitively.
    public func header(_ name: String) -> String? {
        var found: String?
        matching(name) { value in
            found = String(decoding: value, as: UTF8.self)
            return false
        }
        return found
    }

    /// Every value of a header, in order (a field sent more than once is several).
    public func values(of name: String) -> [String] {
        var found: [String] = []
        matching(name) { value in
            found.append(String(decoding: value, as: UTF8.self))
            return true
        }
        return found
    }

    /// Calls `body` with the value of each field named `name` (any case) until it returns false.
    private func matching(_ name: String, _ body: (UnsafeRawBufferPointer) -> Bool) {
        var wanted = name
        wanted.withUTF8 { wanted in
            forEachField { field, value in
                guard field.count == wanted.count,
                    field.indices.allSatisfy({ asciiLowercased(field[$0]) == asciiLowercased(wanted[$0]) })
                else { return true }
                return body(value)
            }
        }
    }

    /// Each field's name and value (without the spaces around it), in order, until `body`
    /// returns false. The lines end in CR LF or LF, as the parser accepted them.
    private func forEachField(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool) {
        fields.withUnsafeBytes { bytes in
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count && bytes[end] != 10 { end += 1 }
                let next = end + 1
                if end > start && bytes[end - 1] == 13 { end -= 1 }
                var colon = start
                while colon < end && bytes[colon] != UInt8(ascii: ":") { colon += 1 }
                var valueStart = colon + 1
                var valueEnd = end
                while valueStart < valueEnd && (bytes[valueStart] == 32 || bytes[valueStart] == 9) { valueStart += 1 }
                while valueEnd > valueStart && (bytes[valueEnd - 1] == 32 || bytes[valueEnd - 1] == 9) { valueEnd -= 1 }
                if colon < end {
                    let name = UnsafeRawBufferPointer(rebasing: bytes[start..<colon])
                    let value = UnsafeRawBufferPointer(rebasing: bytes[valueStart..<max(valueStart, valueEnd)])
                    if !body(name, value) { return }
                }
                start = next
            }
        }
    }

    /// Fields as header lines.
    private static func lines(_ headers: [(name: String, value: String)]) -> [UInt8] {
        var out: [UInt8] = []
        for (name, value) in headers {
            out.append(contentsOf: name.utf8)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: value.utf8)
            out.append(contentsOf: [13, 10])
        }
        return out
    }

    /// The path without the query string.
    public var path: Substring {
        // Searched as bytes: '?' is ASCII, and every request asks for its path.
        target.utf8.firstIndex(of: UInt8(ascii: "?")).map { target[..<$0] } ?? Substring(target)
    }

    /// The query string's parameters (percent-decoded; '+' is a space).
    public var queryItems: [String: String] {
        guard let q = target.firstIndex(of: "?") else { return [:] }
        var items: [String: String] = [:]
        for pair in target[target.index(after: q)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                String(s.map { $0 == "+" ? " " : $0 }).removingPercentEncodingLossy()
            }
            items[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return items
    }
}

extension String {
    /// Percent-decoding that keeps malformed escapes as they are.
    func removingPercentEncodingLossy() -> String {
        guard contains("%") else { return self }
        var bytes: [UInt8] = []
        var iterator = Array(utf8)[...]
        while let b = iterator.popFirst() {
            if b == UInt8(ascii: "%"), iterator.count >= 2, let hi = hexValue(iterator[iterator.startIndex]),
                let lo = hexValue(iterator[iterator.startIndex + 1])
            {
                bytes.append(hi << 4 | lo)
                iterator = iterator.dropFirst(2)
            } else {
                bytes.append(b)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

func hexValue(_ c: UInt8) -> UInt8? {
    switch c {
    case 48...57: c - 48
    case 97...102: c - 87
    case 65...70: c - 55
    default: nil
    }
}
