public import Foundation
import Storage

/// One request and its response, as stored in `request_log`.
///
/// Bodies stay bytes (shared with the request and response, not copied) until the writer
/// thread turns them into their stored form: the request path does no conversion for the log.
public struct LogEntry: Sendable, Equatable {
    public var requestID: String
    public var receivedAt: Date
    public var method: String
    public var path: String
    public var status: Int
    public var latencyMicros: Int64
    public var modelID: Int64?
    public var requestBody: [UInt8]
    public var responseBody: [UInt8]
    public var clientAddress: String
    /// Longest body stored; longer ones are cut and marked.
    public var maxBody: Int

    public init(
        requestID: String, receivedAt: Date, method: String, path: String, status: Int, latencyMicros: Int64,
        modelID: Int64?, requestBody: [UInt8], responseBody: [UInt8], clientAddress: String, maxBody: Int = 64 * 1024
    ) {
        self.requestID = requestID
        self.receivedAt = receivedAt
        self.method = method
        self.path = path
        self.status = status
        self.latencyMicros = latencyMicros
        self.modelID = modelID
        self.requestBody = requestBody
        self.responseBody = responseBody
        self.clientAddress = clientAddress
        self.maxBody = maxBody
    }
}

extension LogEntry {
    /// The path a shadow version's scoring of a `/predict` is logged under: its rows are
    /// served traffic for that version (drift, the shadow comparison), never an answer.
    public static let shadowPath = "/predict (shadow)"

    /// The paths on which a version answers traffic (as opposed to being read about, as
    /// `/models/{id}` or its monitoring are, which log its id too).
    public static let servingPaths = ["/predict", "/similar", shadowPath]
    private static let servingPathBytes = servingPaths.map { Array($0.utf8) }

    /// Whether a request to `path` is traffic a version answered (its `modelID` is then the
    /// version that served it). Compared as bytes: the writer asks for every row, and
    /// walking Characters cost ~1,500 instructions.
    static func isServingPath(_ path: String) -> Bool {
        var path = path
        return path.withUTF8 { bytes -> Bool in
            let route = UnsafeBufferPointer(
                rebasing: bytes[..<(bytes.firstIndex(of: UInt8(ascii: "?")) ?? bytes.count)])
            return Self.servingPathBytes.contains { name in
                name.count == route.count && name.withUnsafeBytes { memcmp($0.baseAddress!, route.baseAddress!, route.count) == 0 }
            }
        }
    }
}

/// A body in the form a text column can hold losslessly, whatever the bytes.
///
/// UTF-8 without NUL is stored as it is (encoding NULL), cut at `max` bytes on a character
/// boundary with a marker. Anything else (NUL, which Postgres text cannot hold; invalid
/// sequences, which decoding would replace) is stored as base64 of the bytes, with the
/// encoding column saying so: a bad body can neither fail its batch nor be altered.
struct StoredBody: Equatable {
    var text: String?
    var encoding: String?

    init(_ body: [UInt8], max: Int) {
        guard !body.isEmpty else { return }
        var cut = min(body.count, max)
        // Do not split a character: back off over continuation bytes.
        if cut < body.count {
            while cut > 0 && body[cut] & 0xC0 == 0x80 { cut -= 1 }
        }
        let kept = body.withUnsafeBufferPointer { Self.text(UnsafeBufferPointer(rebasing: $0[..<cut])) }
        if let kept {
            text = cut < body.count ? kept + "…[truncated; \(body.count) bytes]" : kept
        } else {
            text = Data(body.prefix(max)).base64EncodedString()
            encoding = cut < body.count || body.count > max ? "base64; truncated from \(body.count) bytes" : "base64"
        }
    }

    /// A body's two column values (its text and its encoding). With `bytesForText` (binary
    /// COPY, where a text value travels as its UTF-8 bytes) an ASCII body stored as it is
    /// stays the request's own bytes, shared: no String is made for it (two a row, ~400
    /// instructions each). Postgres checks the encoding of what it receives again.
    static func values(_ body: [UInt8], max: Int, bytesForText: Bool) -> (text: SQLValue, encoding: SQLValue) {
        if bytesForText && !body.isEmpty && body.count <= max
            && body.withUnsafeBytes({ isASCIIWithoutNUL($0) })
        {
            return (.bytes(body), .null)
        }
        let stored = StoredBody(body, max: max)
        return (SQLValue(stored.text), SQLValue(stored.encoding))
    }

    /// Whether every byte is ASCII and none is NUL, sixteen bytes a step: a byte at or above
    /// 0x80, or a zero byte (whose borrow sets the high bit of `(w - 0x01..) & ~w`), marks
    /// the accumulated high bits; one test at the end (bodies are nearly always plain).
    static func isASCIIWithoutNUL(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var marks: UInt64 = 0
        var i = 0
        while i + 16 <= bytes.count {
            let a = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let b = base.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self)
            marks |= a | ((a &- ones) & ~a) | b | ((b &- ones) & ~b)
            i += 16
        }
        while i < bytes.count {
            let byte = UInt64(bytes[i])
            marks |= byte | ((byte &- 1) & ~byte & 0x80)
            i += 1
        }
        return marks & highs == 0
    }

    /// The bytes as a String when they are UTF-8 without NUL, else nil. Decoding repairs an
    /// invalid sequence into U+FFFD, so the bytes were valid exactly when decoding them gives
    /// them back; NUL is found with memchr. (`String(validating:)` on a slice ran unspecialized
    /// here, about 7 instructions a byte.)
    static func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return "" }
        guard memchr(base, 0, bytes.count) == nil else { return nil }
        var decoded = String(decoding: bytes, as: UTF8.self)
        let same = decoded.withUTF8 { $0.count == bytes.count && memcmp($0.baseAddress!, base, bytes.count) == 0 }
        return same ? decoded : nil
    }
}
