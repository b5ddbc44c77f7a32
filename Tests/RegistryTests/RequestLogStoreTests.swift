import Foundation
import Registry
import Storage
import TestSupport
import Testing

@Suite("The request log's rows, stored and read back")
struct RequestLogStoreTests {
    /// Every column as written comes back exactly, on SQLite's inserts and on Postgres'
    /// binary COPY (where a wrong width or epoch would be refused or shift the value): odd
    /// text that text COPY had to escape, unicode, an empty body, a body that is not UTF-8,
    /// a status and a latency at their extremes, microseconds in the timestamp. On Postgres
    /// plain ASCII bodies travel as their own bytes: one with a NUL inside the first word, one
    /// with a high byte at the very end, and one longer than the stored limit must take the
    /// checked path (a NUL sent as text would make Postgres refuse the whole batch).
    @Test(arguments: Backend.allCases)
    func roundTrip(_ backend: Backend) throws {
        try TestDatabase.with(backend) { database, _ throws in
            try Migrator(for: database).migrate(database)
            let store = RequestLogStore(database)
            let odd = "tab\there, newline\nthere, back\\slash, quote \" and 'single', \\N, ünïcødé ✓ 𝄞"
            let entries = [
                LogEntry(
                    requestID: "a-1", receivedAt: Date(timeIntervalSince1970: 1_764_633_600.123456), method: "POST",
                    path: "/predict?x=1", status: 200, latencyMicros: 1, modelID: nil,
                    requestBody: Array(#"{"features": {"x": 1}}"#.utf8), responseBody: Array(odd.utf8),
                    clientAddress: "127.0.0.1:5000"),
                LogEntry(
                    requestID: "a-2", receivedAt: Date(timeIntervalSince1970: 946_684_800.000001), method: "GET",
                    path: "/health", status: 599, latencyMicros: 1 << 40, modelID: nil, requestBody: [],
                    responseBody: [0xFF, 0x00, 0x80], clientAddress: ""),
                LogEntry(
                    requestID: "a-3", receivedAt: Date(timeIntervalSince1970: 4_102_444_799.999999), method: "DELETE",
                    path: "/models/7", status: 100, latencyMicros: 0, modelID: nil, requestBody: Array(odd.utf8),
                    responseBody: [], clientAddress: "[::1]:80"),
                LogEntry(
                    requestID: "a-4", receivedAt: Date(timeIntervalSince1970: 1_764_633_601), method: "POST",
                    path: "/predict", status: 200, latencyMicros: 5, modelID: nil,
                    requestBody: Array(#"{"x": ""#.utf8) + [0] + Array(#"", "features": {"x": 1}}"#.utf8),
                    responseBody: Array(#"{"features": {"y": 1}}"#.utf8) + [0xC3], clientAddress: "10.0.0.1:1"),
                LogEntry(
                    requestID: "a-5", receivedAt: Date(timeIntervalSince1970: 1_764_633_602), method: "POST",
                    path: "/predict", status: 200, latencyMicros: 6, modelID: nil,
                    requestBody: Array(String(repeating: "abcdefgh", count: 5).utf8),
                    responseBody: Array("0123456789abcdef".utf8), clientAddress: "10.0.0.1:2", maxBody: 32),
            ]
            try store.insert(entries)
            let stored = try store.latest(limit: 10).reversed().map { $0 }
            #expect(stored.map(\.requestID) == ["a-1", "a-2", "a-3", "a-4", "a-5"])
            for (row, entry) in zip(stored, entries) {
                #expect(abs(row.receivedAt.timeIntervalSince1970 - entry.receivedAt.timeIntervalSince1970) < 1e-6,
                        "\(row.requestID): \(row.receivedAt.timeIntervalSince1970)")
                #expect(row.method == entry.method && row.path == entry.path && row.status == entry.status)
                #expect(row.latencyMicros == entry.latencyMicros && row.modelID == nil)
                #expect(row.clientAddress == entry.clientAddress)
            }
            #expect(stored[0].requestBody == #"{"features": {"x": 1}}"# && stored[0].responseBody == odd)
            #expect(stored[1].requestBody == nil && stored[1].responseBody == Data([0xFF, 0x00, 0x80]).base64EncodedString())
            #expect(stored[2].requestBody == odd && stored[2].responseBody == nil)
            #expect(stored[3].requestBody == Data(entries[3].requestBody).base64EncodedString())
            #expect(stored[3].responseBody == Data(entries[3].responseBody).base64EncodedString())
            #expect(stored[4].requestBody == String(repeating: "abcdefgh", count: 4) + "…[truncated; 40 bytes]")
            #expect(stored[4].responseBody == "0123456789abcdef")
            let encodings = try database.query(
                "SELECT request_body_encoding, response_body_encoding FROM request_log ORDER BY id")
            #expect(
                encodings.map { [$0[0].string, $0[1].string] } == [
                    [nil, nil], [nil, "base64"], [nil, nil], ["base64", "base64"], [nil, nil],
                ])
        }
    }
}
