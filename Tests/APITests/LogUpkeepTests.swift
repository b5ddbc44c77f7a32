import API
import Foundation
import Registry
import Storage
import TestSupport
import Testing

@Suite("The request log writer's upkeep")
struct LogUpkeepTests {
    static func entry(_ id: String, at seconds: TimeInterval) -> LogEntry {
        LogEntry(
            requestID: id, receivedAt: Date(timeIntervalSince1970: seconds), method: "GET", path: "/health",
            status: 200, latencyMicros: 1, modelID: nil, requestBody: [], responseBody: [], clientAddress: "127.0.0.1")
    }

    @Test(
        "at start the writer makes the coming days' partitions and applies the retention, off the request path",
        arguments: Backend.allCases)
    func upkeep(_ backend: Backend) throws {
        try TestDatabase.with(backend) { database, _ throws in
            try Migrator(for: database).migrate(database)
            let store = RequestLogStore(database)
            let now = Date()
            let day = 86_400.0
            let soon = RequestLogStore.partitionName(now.addingTimeInterval(2 * day))
            if backend == .postgres {
                _ = try database.execute("DROP TABLE \(soon)")
                try store.preparePartitions(now: now.addingTimeInterval(-45 * day))
            }
            // 2,500 rows 45 days old: more than one round of expiry (1,000 a round).
            try store.insert(
                (0..<2_500).map {
                    Self.entry("old-\($0)", at: now.timeIntervalSince1970 - 45 * day)
                })
            let journal = temporaryPath() + ".journal"
            defer { removeJournal(journal) }
            let log = RequestLog(database: database, journalPath: journal, retention: 30 * day)
            try log.start()
            defer { log.shutdown() }
            log.append(
                Self.entry("live", at: now.timeIntervalSince1970), lane: 0)
            let deadline = Date().addingTimeInterval(30)
            while (try store.count()) != 1 && Date() < deadline {}
            #expect(try store.latest(limit: 5).map(\.requestID) == ["live"])
            if backend == .postgres {
                #expect(try store.partitions().contains(soon), "made ahead by the writer")
                #expect(
                    !(try store.partitions()).contains(RequestLogStore.partitionName(now.addingTimeInterval(-45 * day)))
                )
            }
        }
    }
}
