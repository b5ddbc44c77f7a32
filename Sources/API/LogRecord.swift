import Foundation
import Registry

/// The binary form of a log entry in the journal files: a little-endian length, then fixed
/// fields and length-prefixed byte strings. Cheap to write on an event loop (no JSON, no
/// text conversion), exact for any bytes, and a record cut short by a crash is recognised
/// and ignored rather than misread.
enum LogRecord {
    /// Appends `entry` to `bytes`.
    static func append(_ entry: LogEntry, to bytes: inout [UInt8]) {
        let start = bytes.count
        put32(0, &bytes)  // the payload length, filled in below
        put64(entry.receivedAt.timeIntervalSince1970.bitPattern, &bytes)
        put64(UInt64(bitPattern: entry.latencyMicros), &bytes)
        put64(UInt64(bitPattern: entry.modelID ?? Int64.min), &bytes)
        put32(UInt32(clamping: entry.maxBody), &bytes)
        put32(UInt32(clamping: entry.status), &bytes)
        // One at a time, not through an array of them (it cost an allocation and a copy).
        putText(entry.requestID, &bytes)
        putText(entry.method, &bytes)
        putText(entry.path, &bytes)
        putText(entry.clientAddress, &bytes)
        put32(UInt32(entry.requestBody.count), &bytes)
        bytes.append(contentsOf: entry.requestBody)
        put32(UInt32(entry.responseBody.count), &bytes)
        bytes.append(contentsOf: entry.responseBody)
        let length = UInt32(bytes.count - start - 4)
        for k in 0..<4 { bytes[start + k] = UInt8(truncatingIfNeeded: length >> (8 * UInt32(k))) }
    }

    /// The records in `bytes` from `offset`, at most `limit`, and where the next one starts.
    /// A truncated last record (a crash mid-write) ends the list; anything malformed
    /// before it is an error.
    static func decode(_ bytes: [UInt8], from offset: Int = 0, limit: Int = .max) throws -> (
        entries: [LogEntry], next: Int
    ) {
        var entries: [LogEntry] = []
        var position = offset
        while entries.count < limit && bytes.count - position >= 4 {
            let length = Int(get32(bytes, position))
            guard bytes.count - position - 4 >= length else { break }  // cut short: the writer died mid-record
            var reader = Reader(bytes: bytes, position: position + 4, end: position + 4 + length)
            entries.append(try reader.entry())
            position += 4 + length
        }
        return (entries, position)
    }

    struct Malformed: Error, CustomStringConvertible {
        let offset: Int
        var description: String { "malformed journal record at byte \(offset)" }
    }

    private struct Reader {
        let bytes: [UInt8]
        var position: Int
        let end: Int

        mutating func u32() throws -> UInt32 {
            guard end - position >= 4 else { throw Malformed(offset: position) }
            defer { position += 4 }
            return get32(bytes, position)
        }

        mutating func u64() throws -> UInt64 {
            let low = UInt64(try u32())
            return low | UInt64(try u32()) << 32
        }

        mutating func data() throws -> [UInt8] {
            let count = Int(try u32())
            guard end - position >= count else { throw Malformed(offset: position) }
            defer { position += count }
            return Array(bytes[position..<(position + count)])
        }

        mutating func text() throws -> String {
            String(decoding: try data(), as: UTF8.self)
        }

        mutating func entry() throws -> LogEntry {
            let received = Date(timeIntervalSince1970: Double(bitPattern: try u64()))
            let latency = Int64(bitPattern: try u64())
            let model = Int64(bitPattern: try u64())
            let maxBody = Int(try u32())
            let status = Int(try u32())
            let requestID = try text()
            let method = try text()
            let path = try text()
            let client = try text()
            let request = try data()
            let response = try data()
            guard position == end else { throw Malformed(offset: position) }
            return LogEntry(
                requestID: requestID, receivedAt: received, method: method, path: path, status: status,
                latencyMicros: latency, modelID: model == Int64.min ? nil : model, requestBody: request,
                responseBody: response, clientAddress: client, maxBody: maxBody)
        }
    }

    private static func put32(_ v: UInt32, _ bytes: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A length-prefixed string, its bytes copied in one piece.
    private static func putText(_ text: String, _ bytes: inout [UInt8]) {
        var text = text
        text.withUTF8 { utf8 in
            put32(UInt32(utf8.count), &bytes)
            bytes.append(contentsOf: utf8)
        }
    }

    private static func put64(_ v: UInt64, _ bytes: inout [UInt8]) {
        put32(UInt32(truncatingIfNeeded: v), &bytes)
        put32(UInt32(truncatingIfNeeded: v >> 32), &bytes)
    }

    private static func get32(_ bytes: [UInt8], _ i: Int) -> UInt32 {
        UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
    }
}
