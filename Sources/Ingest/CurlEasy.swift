import CCurl
import Foundation

/// One libcurl easy handle: keeps its connection alive between requests to the same host.
/// Owned by one thread at a time (not Sendable); freed once, in deinit.
final class CurlEasy {
    private let handle: UnsafeMutableRawPointer
    private var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE))

    struct Failure: Error, CustomStringConvertible {
        /// libcurl's result code; a transport failure (connect, timeout, reset).
        let code: UInt32
        let description: String
    }

    /// What one GET received.
    struct Response {
        var status: Int
        var body: [UInt8]
    }

    /// The body collected by the write callback, with its bound.
    private final class Sink {
        var bytes: [UInt8] = []
        let limit: Int
        var overflowed = false
        init(limit: Int) { self.limit = limit }
    }

    private static let once: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    init(connectTimeout: Double, timeout: Double) throws {
        _ = Self.once
        guard let handle = curl_easy_init() else { throw Failure(code: 0, description: "libcurl cannot start") }
        self.handle = handle
        _ = modelserve_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = modelserve_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(connectTimeout * 1000))
        _ = modelserve_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(timeout * 1000))
        _ = modelserve_curl_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1)
        _ = modelserve_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
        _ = modelserve_curl_setopt_string(handle, CURLOPT_USERAGENT, "modelserve-ingest")
        _ = modelserve_curl_setopt_write_function(handle) { data, size, count, context in
            guard let context, let data else { return 0 }
            let sink = Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue()
            let n = size * count
            guard sink.bytes.count + n <= sink.limit else {
                sink.overflowed = true
                return 0  // libcurl stops with a write error
            }
            data.withMemoryRebound(to: UInt8.self, capacity: n) {
                sink.bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: n))
            }
            return n
        }
    }

    deinit { curl_easy_cleanup(handle) }

    /// GETs `url`; a body past `limit` bytes is an error, not an allocation.
    func get(_ url: String, limit: Int) throws -> Response {
        let sink = Sink(limit: limit)
        let context = Unmanaged.passRetained(sink)
        defer { context.release() }
        _ = modelserve_curl_setopt_string(handle, CURLOPT_URL, url)
        _ = modelserve_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context.toOpaque())
        let result = errorBuffer.withUnsafeMutableBufferPointer { buffer -> CURLcode in
            _ = modelserve_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, buffer.baseAddress)
            buffer[0] = 0
            return curl_easy_perform(handle)
        }
        _ = modelserve_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, nil)
        if sink.overflowed {
            throw Failure(code: result.rawValue, description: "the response is larger than \(limit) bytes")
        }
        guard result == CURLE_OK else {
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let text = detail.isEmpty ? String(cString: curl_easy_strerror(result)) : detail
            throw Failure(code: result.rawValue, description: text)
        }
        var status = 0
        _ = modelserve_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return Response(status: status, body: sink.bytes)
    }
}
