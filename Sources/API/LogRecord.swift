import Foundation
import Registry
import Storage

/// The binary form of a log entry in the journal files: a little-endian length, then fixed
/// fields and length-prefixed byte strings. Cheap to write on an event loop (no JSON, no
/// text conversion), exact for any bytes, and a record cut short by a crash is recognised
/// and ignored rather than misread.
enum LogRecord {
    /// Appends `entry` to `bytes`: room for the whole record is made once, then each field
    /// is stored in place. (Eleven `[UInt8]` appends, one a field, cost ~2,000 instructions
    /// a request; a head built on the stack and three appends ~950.)
    static func append(_ entry: LogEntry, to bytes: inout ByteBuffer) {
        let texts =
            16 + entry.requestID.utf8.count + entry.method.utf8.count + entry.path.utf8.count
            + entry.clientAddress.utf8.count
        let payload = 8 + 8 + 8 + 4 + 4 + texts + 4 + entry.requestBody.count + 4 + entry.responseBody.count
        bytes.reserve(4 + payload)
        bytes.append(littleEndian: UInt32(payload))
        bytes.append(littleEndian: entry.receivedAt.timeIntervalSince1970.bitPattern)
        bytes.append(littleEndian: UInt64(bitPattern: entry.latencyMicros))
        bytes.append(littleEndian: UInt64(bitPattern: entry.modelID ?? Int64.min))
        bytes.append(littleEndian: UInt32(clamping: entry.maxBody))
        bytes.append(littleEndian: UInt32(clamping: entry.status))
        put(entry.requestID, into: &bytes)
        put(entry.method, into: &bytes)
        put(entry.path, into: &bytes)
        put(entry.clientAddress, into: &bytes)
        entry.requestBody.withUnsafeBufferPointer { put($0, into: &bytes) }
        entry.responseBody.withUnsafeBufferPointer { put($0, into: &bytes) }
    }

    /// A String's bytes, read in place (the usual case; nested `withUTF8` calls on copies
    /// cost a closure context and a retain each).
    @inline(__always)
    private static func put(_ text: String, into bytes: inout ByteBuffer) {
        let written: Void? = text.utf8.withContiguousStorageIfAvailable { put($0, into: &bytes) }
        if written == nil {
            var text = text
            text.withUTF8 { put($0, into: &bytes) }
        }
    }

    /// The same, onto an array (the spill journal's batches, tests).
    static func append(_ entry: LogEntry, to bytes: inout [UInt8]) {
        var buffer = ByteBuffer(capacity: 512)
        append(entry, to: &buffer)
        buffer.withUnsafeBytes { bytes.append(contentsOf: $0) }
    }

    /// A length-prefixed byte string.
    @inline(__always)
    private static func put(_ text: UnsafeBufferPointer<UInt8>, into bytes: inout ByteBuffer) {
        bytes.append(littleEndian: UInt32(text.count))
        bytes.append(UnsafeRawBufferPointer(text))
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

    private static func get32(_ bytes: [UInt8], _ i: Int) -> UInt32 {
        UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
    }
}
