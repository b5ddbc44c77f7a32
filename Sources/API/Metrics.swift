import Foundation
import Synchronization

/// Counters and a latency histogram for `GET /metrics` (Prometheus text format).
public final class Metrics: Sendable {
    struct Key: Equatable {
        let route: String
        let status: Int
    }

    /// Upper bounds of the latency buckets, in seconds.
    static let buckets: [Double] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5]

    private struct State {
        /// Counts by route label and status: a few dozen at most (labels are route patterns),
        /// searched in order, the first used first. Hashing the key into a dictionary cost
        /// every answer ~300 instructions; comparing a label with its route's own String is a
        /// pointer check.
        var requests: [(key: Key, count: Int)] = []
        var bucketCounts = [Int](repeating: 0, count: Metrics.buckets.count)
        var latencySum = 0.0
        var latencyCount = 0
    }

    private let state = Mutex(State())

    public init() {}

    public func record(route: String, status: Int, seconds: Double) {
        state.withLock { s in
            let key = Key(route: route, status: status)
            if let i = s.requests.firstIndex(where: { $0.key == key }) {
                s.requests[i].count += 1
            } else {
                s.requests.append((key, 1))
            }
            if let i = Self.buckets.firstIndex(where: { seconds <= $0 }) { s.bucketCounts[i] += 1 }
            s.latencySum += seconds
            s.latencyCount += 1
        }
    }

    /// The exposition text, with the gauges the caller supplies appended.
    public func exposition(gauges: [(name: String, help: String, labels: [String: String], value: Double)]) -> String {
        let s = state.withLock { $0 }
        var out = "# HELP modelserve_requests_total Requests answered, by route and status.\n"
        out += "# TYPE modelserve_requests_total counter\n"
        for (key, count) in s.requests.sorted(by: { ($0.key.route, $0.key.status) < ($1.key.route, $1.key.status) }) {
            out += "modelserve_requests_total{route=\"\(key.route)\",status=\"\(key.status)\"} \(count)\n"
        }
        out += "# HELP modelserve_request_duration_seconds Time to answer a request.\n"
        out += "# TYPE modelserve_request_duration_seconds histogram\n"
        var cumulative = 0
        for (bound, count) in zip(Self.buckets, s.bucketCounts) {
            cumulative += count
            out += "modelserve_request_duration_seconds_bucket{le=\"\(bound)\"} \(cumulative)\n"
        }
        out += "modelserve_request_duration_seconds_bucket{le=\"+Inf\"} \(s.latencyCount)\n"
        out += "modelserve_request_duration_seconds_sum \(s.latencySum)\n"
        out += "modelserve_request_duration_seconds_count \(s.latencyCount)\n"
        var described: Set<String> = []
        for gauge in gauges {
            if described.insert(gauge.name).inserted {
                out += "# HELP \(gauge.name) \(gauge.help)\n# TYPE \(gauge.name) gauge\n"
            }
            let labels = gauge.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\(Self.escape($0.value))\"" }
            out +=
                gauge.name + (labels.isEmpty ? "" : "{\(labels.joined(separator: ","))}")
                + " \(Self.number(gauge.value))\n"
        }
        return out
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }
}
