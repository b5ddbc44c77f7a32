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

    /// The version that served this request, if it was one a version answered. Compared as
    /// bytes: the writer asks for every row, and walking Characters cost ~1,500 instructions.
    public var servingModelID: Int64? {
        guard let modelID else { return nil }
        var path = path
        let serving = path.withUTF8 { bytes -> Bool in
            let route = UnsafeBufferPointer(
                rebasing: bytes[..<(bytes.firstIndex(of: UInt8(ascii: "?")) ?? bytes.count)])
            return Self.servingPathBytes.contains { name in
                name.count == route.count && name.withUnsafeBytes { memcmp($0.baseAddress!, route.baseAddress!, route.count) == 0 }
            }
        }
        return serving ? modelID : nil
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
