import Foundation
import Registry
import Storage
import TestSupport
import Testing

@Suite("The request log over years: day partitions and retention")
struct RequestLogRetentionTests {
    static let day = 86_400.0

    static func entries(_ prefix: String, at date: Date, count: Int) -> [LogEntry] {
        (0..<count).map { i in
            RequestMinutesTests.entry(
                "\(prefix)-\(i)", model: nil, at: date.timeIntervalSince1970 + Double(i), micros: 100)
        }
    }

    @Test(
        "rows from before the migration move into their days; the writer's days exist ahead; lookups cross partitions")
    func migrationMovesRows() throws {
        try TestDatabase.with(.postgres) { database, _ throws in
            let all = try Migration.bundled(for: .postgres)
            let partitioning = try #require(all.firstIndex { $0.name == "0014_request_log_partitions" })
            try Migrator(migrations: Array(all[..<partitioning])).migrate(database)
            // Three days of rows in the old, single table.
            let now = Date()
            let store = RequestLogStore(database)
            for back in [5.0, 3.0, 0.0] {
                try store.insert(Self.entries("d\(Int(back))", at: now.addingTimeInterval(-back * Self.day), count: 4))
            }
            try Migrator(for: database).migrate(database)
            #expect(try store.count() == 12)
            let names = try store.partitions()
            for back in [5.0, 4.0, 3.0, 0.0, -1.0, -2.0] {
                #expect(
                    names.contains(RequestLogStore.partitionName(now.addingTimeInterval(-back * Self.day))), "\(names)")
            }
            // Each row sits in its own day's partition, none in the default.
            for back in [5.0, 3.0, 0.0] {
                let name = RequestLogStore.partitionName(now.addingTimeInterval(-back * Self.day))
                #expect(try database.query("SELECT count(*) FROM \(name)")[0][0].int64 == 4, "\(name)")
            }
            #expect(try database.query("SELECT count(*) FROM request_log_default")[0][0].int64 == 0)
            // Reads by id and by request id across them, new rows after them, replay skipping.
            #expect(try store.latest(limit: 12).count == 12)
            #expect(try store.latest(limit: 1, requestID: "d5-2").first?.requestID == "d5-2")
            try store.insert(Self.entries("new", at: now, count: 3))
            #expect(try store.latest(limit: 1).first?.requestID == "new-2", "ids keep growing after the move")
            let fresh = try store.insertNew(Self.entries("d3", at: now.addingTimeInterval(-3 * Self.day), count: 6))
            #expect(fresh.map(\.requestID) == ["d3-4", "d3-5"])
            try store.preparePartitions(now: now.addingTimeInterval(10 * Self.day))
            #expect(
                try store.partitions().contains(RequestLogStore.partitionName(now.addingTimeInterval(12 * Self.day))))
        }
    }

    @Test(
        "retention removes the old days only: whole partitions on Postgres, small batches on SQLite",
        arguments: Backend.allCases)
    func retention(_ backend: Backend) throws {
        try TestDatabase.with(backend) { database, _ throws in
            try Migrator(for: database).migrate(database)
            let store = RequestLogStore(database)
            let now = Date()
            try store.preparePartitions(now: now.addingTimeInterval(-40 * Self.day))
            try store.preparePartitions(now: now.addingTimeInterval(-31 * Self.day))
            try store.insert(Self.entries("old", at: now.addingTimeInterval(-40 * Self.day), count: 5))
            try store.insert(Self.entries("older", at: now.addingTimeInterval(-31 * Self.day), count: 5))
            try store.insert(Self.entries("kept", at: now.addingTimeInterval(-29 * Self.day), count: 5))
            try store.insert(Self.entries("today", at: now, count: 5))
            var rounds = 0
            var dropped: [String] = []
            while true {
                let (rows, partitions) = try store.expire(before: now.addingTimeInterval(-30 * Self.day), batch: 3)
                dropped += partitions
                rounds += 1
                if rows < 3 { break }
            }
            let left = Set(try store.latest(limit: 100).map { String($0.requestID.split(separator: "-")[0]) })
            #expect(left == ["kept", "today"], "\(left)")
            #expect(try store.count() == 10)
            if backend == .postgres {
                #expect(dropped.contains(RequestLogStore.partitionName(now.addingTimeInterval(-40 * Self.day))))
                #expect(dropped.contains(RequestLogStore.partitionName(now.addingTimeInterval(-31 * Self.day))))
                #expect(
                    try store.partitions().contains(
                        RequestLogStore.partitionName(now.addingTimeInterval(-29 * Self.day))))
            } else {
                #expect(rounds == 4, "10 old rows, 3 a round: 3, 3, 3, 1")
            }
        }
    }
}
