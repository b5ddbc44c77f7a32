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

    /// A body's two column values (its text and its encoding). An ASCII body without NUL
    /// stored as it is stays the request's own bytes, shared: no String is made for it (two
    /// a row, ~400 instructions each, and as much again to free them). Both stores take such
    /// bytes as text: Postgres' binary COPY (which checks the encoding again) and SQLite's
    /// insert, whose placeholder casts them (`RequestLogStore`).
    static func values(_ body: [UInt8], max: Int) -> (text: SQLValue, encoding: SQLValue) {
        if !body.isEmpty && body.count <= max && body.withUnsafeBytes({ UTF8Bytes.isASCIIWithoutNUL($0) }) {
            return (.bytes(body), .null)
        }
        let stored = StoredBody(body, max: max)
        return (SQLValue(stored.text), SQLValue(stored.encoding))
    }

    /// The bytes as a String when they are UTF-8 without NUL, else nil (NUL found with
    /// memchr: Postgres text cannot hold it).
    static func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return "" }
        guard memchr(base, 0, bytes.count) == nil else { return nil }
        return UTF8Bytes.string(bytes)
    }
}
