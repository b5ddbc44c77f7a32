import Foundation
import Registry
import Storage
import TestSupport
import Testing

@Suite("Request figures per version and minute")
struct RequestMinutesTests {
    static func entry(_ id: String, model: Int64?, at seconds: TimeInterval, micros: Int64, status: Int = 200)
        -> LogEntry
    {
        LogEntry(
            requestID: id, receivedAt: Date(timeIntervalSince1970: seconds), method: "POST", path: "/predict",
            status: status, latencyMicros: micros, modelID: model, requestBody: [], responseBody: [],
            clientAddress: "127.0.0.1")
    }

    @Test("percentiles from the histogram as Prometheus' histogram_quantile computes them")
    func quantiles() {
        var figures = RequestMinutes.Figures()
        for micros: Int64 in [10, 60, 60, 150, 400, 9_000] { figures.add(latencyMicros: micros, status: 200) }
        // Buckets (0,50]: 1, (50,100]: 2, (100,200]: 1, (300,500]: 1, (7500,10000]: 1.
        // p50: rank 3 falls in (50,100] with 1 below and 2 inside: 50 + 50 * (3 - 1) / 2.
        #expect(figures.quantileMicros(0.5) == 100)
        // p99: rank 5.94 in (7500,10000] with 5 below: 7500 + 2500 * 0.94.
        #expect(abs(figures.quantileMicros(0.99)! - 9_850) < 1e-9)
        // p10: rank 0.6 in (0,50]: 50 * 0.6.
        #expect(abs(figures.quantileMicros(0.1)! - 30) < 1e-9)
        var slow = RequestMinutes.Figures()
        slow.add(latencyMicros: 9_000_000, status: 200)
        #expect(slow.quantileMicros(0.5) == 5_000_000, "beyond the last bound: the last bound")
        #expect(RequestMinutes.Figures().quantileMicros(0.5) == nil)
    }

    @Test(
        "two writers' figures add up in the table by version and minute; a replayed batch counts once",
        arguments: Backend.allCases)
    func flushAndRead(_ backend: Backend) throws {
        try withDemoDatabase(backend) { database, registry in
            let versions = try Trainer(registry: registry).train(try pipeline("promotion")).versions
            try #require(versions.count >= 2)
            let (a, b) = (versions[0].id, versions[1].id)
            let minute = 1_800_000_000.0  // a whole minute (divisible by 60)
            #expect(minute.truncatingRemainder(dividingBy: 60) == 0)
            let first = [
                Self.entry("r1", model: a, at: minute + 0.5, micros: 120),
                Self.entry("r2", model: a, at: minute + 59.999, micros: 80, status: 422),
                Self.entry("r3", model: a, at: minute + 60, micros: 2_500),
                Self.entry("r4", model: nil, at: minute + 1, micros: 10, status: 404),
                // About version a, not served by it: not its traffic.
                LogEntry(
                    requestID: "r6", receivedAt: Date(timeIntervalSince1970: minute + 3), method: "GET",
                    path: "/models/\(a)/monitoring?window=1h", status: 200, latencyMicros: 900, modelID: a,
                    requestBody: [], responseBody: [], clientAddress: "127.0.0.1"),
                Self.entry("r5", model: b, at: minute + 2, micros: 700, status: 500),
            ]
            let second = [
                Self.entry("s1", model: a, at: minute + 30, micros: 40),
                Self.entry("s2", model: a, at: minute + 61, micros: 6_000_000),
            ]
            // The table's columns are the ones the code names, in its order (migration 0011
            // spells the histogram out; this keeps the two lists one).
            let columns = try database.withConnection {
                try $0.tableColumns(SQLIdentifier(validating: "request_minutes"))
            }
            #expect(columns == RequestMinutes.columns, "\(columns)")
            let store = RequestLogStore(database)
            var one = RequestMinutes()
            one.add(first)
            var two = RequestMinutes()
            two.add(second)
            try store.flush(&one)
            try store.flush(&two)
            #expect(one.isEmpty && two.isEmpty)

            let read = try RequestMinutes.read(database, modelID: a, since: Date(timeIntervalSince1970: minute + 10))
            #expect(
                read.map { $0.0.timeIntervalSince1970 } == [minute, minute + 60], "since rounds down to its minute")
            let (_, m0) = read[0]
            #expect(m0.requests == 3 && m0.errors == 1 && m0.latencyMicrosSum == 120 + 80 + 40)
            #expect(m0.buckets[0] == 1 && m0.buckets[1] == 1 && m0.buckets[2] == 1 && m0.buckets.reduce(0, +) == 3)
            let (_, m1) = read[1]
            #expect(m1.requests == 2 && m1.errors == 0 && m1.buckets.last == 1, "6 s is past the last bound")
            let other = try RequestMinutes.read(database, modelID: b, since: Date(timeIntervalSince1970: minute))
            #expect(other.count == 1 && other[0].1.errors == 1 && other[0].1.requests == 1)

            // The journal's replay stores (and so counts) only rows not stored yet.
            _ = try store.insertNew(Array(first.prefix(2)))
            let fresh = try store.insertNew(first)
            #expect(fresh.map(\.requestID) == ["r3", "r4", "r6", "r5"])
            #expect(try store.count() == 6)

            // The activity document: totals, and the series in intervals of whole minutes.
            let activity = try RequestActivity(
                database: database, modelID: a, since: Date(timeIntervalSince1970: minute),
                now: Date(timeIntervalSince1970: minute + 7 * 86_400), maxPoints: 360)
            #expect(activity.intervalSeconds == 28 * 60, "7 days in at most 360 points")
            #expect(activity.count == 5 && activity.errors == 1)
            #expect(activity.series.count == 1 && activity.series[0].requests == 5)
            #expect(abs(activity.series[0].perSecond - 5.0 / (28 * 60)) < 1e-12)
            let mean = Double(120 + 80 + 40 + 2_500 + 6_000_000) / 5 / 1000
            #expect(abs(activity.latencyMilliseconds["mean"]! - mean) < 1e-9)
            let fine = try RequestActivity(
                database: database, modelID: a, since: Date(timeIntervalSince1970: minute),
                now: Date(timeIntervalSince1970: minute + 3600))
            #expect(fine.intervalSeconds == 60 && fine.series.map(\.requests) == [3, 2])
            // A week's window over an hour of traffic: intervals fit the hour, not the week.
            let recent = try RequestActivity(
                database: database, modelID: a, since: Date(timeIntervalSince1970: minute - 7 * 86_400),
                now: Date(timeIntervalSince1970: minute + 3600))
            #expect(recent.intervalSeconds == 60 && recent.count == 5)
        }
    }
}
