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

    @Test(
        "rows stored out of time order (journals replayed after an outage) are in their time windows, and expire on time",
        arguments: Backend.allCases)
    func outOfOrder(_ backend: Backend) throws {
        try TestDatabase.with(backend) { database, _ throws in
            try Migrator(for: database).migrate(database)
            let store = RequestLogStore(database)
            // A whole minute, so that the rows below share minutes and cross one.
            let now = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 60).rounded(.down) * 60 + 30)
            try store.preparePartitions(now: now.addingTimeInterval(-40 * Self.day))
            // Stored in this order: rows received now, then ten minutes ago, then 40 days ago
            // (two journals replayed late), then two of which the second is 0.4 µs before the
            // next minute (stored as its first microsecond: times are kept to the microsecond,
            // rounded), then just after now. One second apart within each.
            let batches: [(prefix: String, at: Date, count: Int)] = [
                ("now", now, 4), ("late", now.addingTimeInterval(-600), 3),
                ("ancient", now.addingTimeInterval(-40 * Self.day), 2), ("edge", now.addingTimeInterval(28.9999996), 2),
                ("after", now.addingTimeInterval(35), 2),
            ]
            for batch in batches { try store.insert(Self.entries(batch.prefix, at: batch.at, count: batch.count)) }
            // What a window holds, by the stored times (ISO 8601 text sorts as time does).
            func received(since date: Date) -> Set<String> {
                var ids: Set<String> = []
                for batch in batches {
                    for i in 0..<batch.count
                    where Timestamp.format(batch.at.addingTimeInterval(Double(i))) >= Timestamp.format(date) {
                        ids.insert("\(batch.prefix)-\(i)")
                    }
                }
                return ids
            }
            func stored(since date: Date) throws -> Set<String> {
                let window = RequestLogStore.received(since: date, dialect: database.dialect)
                return Set(
                    try database.query("SELECT request_id FROM request_log WHERE \(window.sql)", window.parameters)
                        .compactMap { $0[0].string })
            }
            for offset in [-41 * Self.day, -30 * Self.day, -900, -599, -60, 0, 2, 3.5, 29.99, 30, 31, 36, 37, 60] {
                let since = now.addingTimeInterval(offset)
                #expect(try stored(since: since) == received(since: since), "since now \(offset > 0 ? "+" : "")\(offset) s")
            }
            // Retention at 30 days removes the old rows stored last, and keeps every other.
            while try store.expire(before: now.addingTimeInterval(-30 * Self.day), batch: 1).rows == 1 {}
            let kept = received(since: now.addingTimeInterval(-30 * Self.day))
            #expect(try stored(since: now.addingTimeInterval(-100 * Self.day)) == kept)
            #expect(try store.count() == kept.count && kept.count == 11)
        }
    }
}
