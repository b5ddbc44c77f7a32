public import Foundation
public import Storage

/// A version's requests over a window, from `request_minutes`: the totals, latency
/// percentiles estimated from the histogram, and a series of at most `maxPoints` intervals
/// (whole minutes) for the charts. Reads one row a minute by key, whatever the traffic.
public struct RequestActivity: Sendable, Encodable {
    public var since: Date
    /// Requests in the window, and how many were answered with a status of 400 or more.
    public var count: Int
    public var errors: Int
    /// p50, p95, p99 (estimated from the histogram, within its bucket) and the exact mean.
    public var latencyMilliseconds: [String: Double]
    public var intervalSeconds: Int
    /// Intervals with requests, oldest first; the ones without are not listed.
    public var series: [Point]

    public struct Point: Sendable, Encodable {
        public var at: Date
        public var requests: Int
        public var errors: Int
        public var perSecond: Double
        public var p50Milliseconds: Double?
        public var p99Milliseconds: Double?

        enum CodingKeys: String, CodingKey {
            case at, requests, errors, perSecond = "per_second", p50Milliseconds = "p50_ms"
            case p99Milliseconds = "p99_ms"
        }
    }

    enum CodingKeys: String, CodingKey {
        case since, count, errors, latencyMilliseconds = "latency_milliseconds"
        case intervalSeconds = "interval_seconds", series
    }

    public init(database: any Database, modelID: Int64, since: Date, now: Date = Date(), maxPoints: Int = 360) throws {
        self.since = since
        let minutes = try RequestMinutes.read(database, modelID: modelID, since: since)
        // Intervals fit the stretch that has requests, not the whole window: a version
        // serving for ten minutes of a 7-day window gets minutes, not one 28-minute point.
        let first = max(since, minutes.first?.0 ?? since)
        let span = max(60, now.timeIntervalSince(first))
        let interval = Int(max(1, (span / 60 / Double(max(1, maxPoints))).rounded(.up))) * 60
        intervalSeconds = interval
        var total = RequestMinutes.Figures()
        var grouped: [(Int64, RequestMinutes.Figures)] = []
        for (minute, figures) in minutes {
            total.merge(figures)
            let start = Int64(minute.timeIntervalSince1970) / Int64(interval) * Int64(interval)
            if grouped.last?.0 == start {
                grouped[grouped.count - 1].1.merge(figures)
            } else {
                grouped.append((start, figures))
            }
        }
        count = Int(total.requests)
        errors = Int(total.errors)
        var latency: [String: Double] = [:]
        for (name, q) in [("p50", 0.5), ("p95", 0.95), ("p99", 0.99)] {
            latency[name] = total.quantileMicros(q).map { $0 / 1000 }
        }
        if total.requests > 0 { latency["mean"] = Double(total.latencyMicrosSum) / Double(total.requests) / 1000 }
        latencyMilliseconds = latency
        series = grouped.map { start, figures in
            Point(
                at: Date(timeIntervalSince1970: TimeInterval(start)), requests: Int(figures.requests),
                errors: Int(figures.errors), perSecond: Double(figures.requests) / Double(interval),
                p50Milliseconds: figures.quantileMicros(0.5).map { $0 / 1000 },
                p99Milliseconds: figures.quantileMicros(0.99).map { $0 / 1000 })
        }
    }
}
