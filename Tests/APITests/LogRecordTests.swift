import Foundation
import Registry
import Testing

@testable import API

/// The journal's binary records: what `append` writes, `decode` reads back exactly, and a
/// record cut short by a crash ends the list instead of being misread.
@Suite("Journal records")
struct LogRecordTests {
    static let entries = [
        LogEntry(
            requestID: "3f2a9c01b7e4-1", receivedAt: Date(timeIntervalSince1970: 1_764_000_000.123456), method: "POST",
            path: "/predict", status: 200, latencyMicros: 87, modelID: 3,
            requestBody: Array(#"{"features": {"x": 1}}"#.utf8), responseBody: Array(#"{"probability":0.5}"#.utf8),
            clientAddress: "127.0.0.1"),
        LogEntry(
            requestID: "r-2", receivedAt: Date(timeIntervalSince1970: 0), method: "GET", path: "/models?name=café",
            status: 404, latencyMicros: 0, modelID: nil, requestBody: [], responseBody: [0, 255, 10, 0],
            clientAddress: "", maxBody: 7),
        LogEntry(
            requestID: String(repeating: "x", count: 300), receivedAt: Date(timeIntervalSince1970: -5.5),
            method: "DELETE", path: "/" + String(repeating: "ü", count: 100), status: 599, latencyMicros: Int64.max,
            modelID: Int64.max, requestBody: Array(repeating: 7, count: 70_000), responseBody: [],
            clientAddress: "[::1]"),
    ]

    @Test("records read back as written, any bytes and sizes")
    func roundTrip() throws {
        var bytes: [UInt8] = []
        for entry in Self.entries { LogRecord.append(entry, to: &bytes) }
        let (decoded, next) = try LogRecord.decode(bytes)
        #expect(decoded == Self.entries)
        #expect(next == bytes.count)
        // The length prefix covers exactly one record: the first record's bytes alone decode alone.
        var first: [UInt8] = []
        LogRecord.append(Self.entries[0], to: &first)
        #expect(Array(bytes.prefix(first.count)) == first)
    }

    @Test("a record cut short ends the list")
    func truncated() throws {
        var bytes: [UInt8] = []
        for entry in Self.entries { LogRecord.append(entry, to: &bytes) }
        var whole: [UInt8] = []
        for entry in Self.entries.prefix(2) { LogRecord.append(entry, to: &whole) }
        for cut in [whole.count + 1, whole.count + 4, bytes.count - 1] {
            let (decoded, next) = try LogRecord.decode(Array(bytes.prefix(cut)))
            #expect(decoded == Array(Self.entries.prefix(2)), "cut at \(cut)")
            #expect(next == whole.count)
        }
    }
}
