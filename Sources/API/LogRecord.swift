import Foundation
import Registry

/// The binary form of a log entry in the journal files: a little-endian length, then fixed
/// fields and length-prefixed byte strings. Cheap to write on an event loop (no JSON, no
/// text conversion), exact for any bytes, and a record cut short by a crash is recognised
/// and ignored rather than misread.
enum LogRecord {
    /// Appends `entry` to `bytes`: the fixed fields and texts are written on the stack and
    /// appended in one copy, then each body after its length. The buffer grows by doubling,
    /// so a lane's growing buffer is not copied per record. (Eleven appends, one a field,
    /// cost ~2,000 instructions a request; growing element by element to write in place ~400.)
    static func append(_ entry: LogEntry, to bytes: inout [UInt8]) {
        var requestID = entry.requestID
        var method = entry.method
        var path = entry.path
        var client = entry.clientAddress
        requestID.withUTF8 { requestID in
            method.withUTF8 { method in
                path.withUTF8 { path in
                    client.withUTF8 { client in
                        let texts = 16 + requestID.count + method.count + path.count + client.count
                        let payload =
                            8 + 8 + 8 + 4 + 4 + texts + 4 + entry.requestBody.count + 4 + entry.responseBody.count
                        let needed = bytes.count + 4 + payload
                        if needed > bytes.capacity { bytes.reserveCapacity(max(needed, 2 * bytes.capacity)) }
                        let head = 4 + 8 + 8 + 8 + 4 + 4 + texts + 4
                        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: head) { buffer in
                            var out = Writer(base: UnsafeMutableRawPointer(buffer.baseAddress!))
                            out.put32(UInt32(payload))
                            out.put64(entry.receivedAt.timeIntervalSince1970.bitPattern)
                            out.put64(UInt64(bitPattern: entry.latencyMicros))
                            out.put64(UInt64(bitPattern: entry.modelID ?? Int64.min))
                            out.put32(UInt32(clamping: entry.maxBody))
                            out.put32(UInt32(clamping: entry.status))
                            out.put(UnsafeRawBufferPointer(requestID))
                            out.put(UnsafeRawBufferPointer(method))
                            out.put(UnsafeRawBufferPointer(path))
                            out.put(UnsafeRawBufferPointer(client))
                            out.put32(UInt32(entry.requestBody.count))
                            bytes.append(contentsOf: UnsafeBufferPointer(buffer))
                        }
                        bytes.append(contentsOf: entry.requestBody)
                        withUnsafeBytes(of: UInt32(entry.responseBody.count).littleEndian) {
                            bytes.append(contentsOf: $0)
                        }
                        bytes.append(contentsOf: entry.responseBody)
                    }
                }
            }
        }
    }

    /// Little-endian fields stored at a pointer into room already made.
    private struct Writer {
        var base: UnsafeMutableRawPointer

        mutating func put32(_ v: UInt32) {
            base.storeBytes(of: v.littleEndian, as: UInt32.self)
            base += 4
        }

        mutating func put64(_ v: UInt64) {
            base.storeBytes(of: v.littleEndian, as: UInt64.self)
            base += 8
        }

        /// A length-prefixed byte string.
        mutating func put(_ bytes: UnsafeRawBufferPointer) {
            put32(UInt32(bytes.count))
            if let source = bytes.baseAddress, bytes.count > 0 { base.copyMemory(from: source, byteCount: bytes.count) }
            base += bytes.count
        }
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
