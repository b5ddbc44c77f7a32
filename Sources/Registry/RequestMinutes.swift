public import Foundation
public import Storage

/// Requests per version and minute, as the request log writer stores them: a count, the
/// errors (status 400 and up), and a latency histogram, added to `request_minutes` every few
/// seconds. Request rate and latency over time then read a few rows by key, never a scan of
/// `request_log`; replicas add their counts to the same rows.
public struct RequestMinutes: Sendable {
    /// Upper bounds of the latency histogram's buckets, in microseconds: one column each
    /// (`le_N`), and `le_inf` for anything longer than the last.
    public static let boundsMicros: [Int64] = [
        50, 100, 200, 300, 500, 750, 1_000, 1_500, 2_000, 3_000, 5_000, 7_500, 10_000, 20_000, 50_000, 100_000,
        250_000, 500_000, 1_000_000, 5_000_000,
    ]
    /// The histogram's columns, in the order of `Figures.buckets`.
    public static let bucketColumns = boundsMicros.map { "le_\($0)" } + ["le_inf"]
    /// Every column of the table, in the order the writer fills them.
    public static let columns = ["model_id", "minute", "requests", "errors", "latency_us_sum"] + bucketColumns

    /// A version and the start of a minute (seconds since 1970, a multiple of 60).
    public struct Key: Hashable, Comparable, Sendable {
        public var modelID: Int64
        public var minute: Int64

        public init(modelID: Int64, at date: Date) {
            self.modelID = modelID
            minute = Int64((date.timeIntervalSince1970 / 60).rounded(.down)) * 60
        }

        public static func < (a: Key, b: Key) -> Bool { (a.modelID, a.minute) < (b.modelID, b.minute) }
    }

    /// One minute's (or a longer interval's) requests.
    public struct Figures: Sendable, Equatable {
        public var requests: Int64 = 0
        public var errors: Int64 = 0
        public var latencyMicrosSum: Int64 = 0
        /// Requests per bucket of `boundsMicros` (not cumulative), and one beyond the last.
        public var buckets = [Int64](repeating: 0, count: RequestMinutes.boundsMicros.count + 1)

        public init() {}

        public mutating func add(latencyMicros: Int64, status: Int) {
            requests += 1
            if status >= 400 { errors += 1 }
            latencyMicrosSum += latencyMicros
            buckets[RequestMinutes.bucket(of: latencyMicros)] += 1
        }

        public mutating func merge(_ other: Figures) {
            requests += other.requests
            errors += other.errors
            latencyMicrosSum += other.latencyMicrosSum
            for i in buckets.indices { buckets[i] += other.buckets[i] }
        }

        /// The q-quantile of latency in microseconds, estimated from the histogram as
        /// Prometheus' `histogram_quantile` does: linear within the bucket that holds the
        /// rank (from 0 in the first); the last finite bound when the rank lies beyond it.
        public func quantileMicros(_ q: Double) -> Double? {
            guard requests > 0 else { return nil }
            let rank = q * Double(requests)
            var below: Int64 = 0
            for (i, count) in buckets.enumerated() {
                guard count > 0, Double(below + count) >= rank else {
                    below += count
                    continue
                }
                guard i < RequestMinutes.boundsMicros.count else {
                    return Double(RequestMinutes.boundsMicros.last!)
                }
                let lower = i == 0 ? 0 : Double(RequestMinutes.boundsMicros[i - 1])
                let upper = Double(RequestMinutes.boundsMicros[i])
                return lower + (upper - lower) * (rank - Double(below)) / Double(count)
            }
            return Double(RequestMinutes.boundsMicros.last!)
        }
    }

    /// Figures added since the last flush.
    public private(set) var pending: [Key: Figures] = [:]

    public init() {}

    public var isEmpty: Bool { pending.isEmpty }

    /// Counts the entries a version served (`/predict`, `/similar`, shadow scoring); reads
    /// about a version (its monitoring, its record) are not its traffic.
    /// An array, not any sequence: a generic entry point called from another module ran
    /// unspecialized, looking up metadata and copying each entry through witness tables.
    public mutating func add(_ entries: [LogEntry]) {
        // By index, reading fields in place: a for-in copied every entry.
        for i in entries.indices {
            guard let modelID = entries[i].modelID, LogEntry.isServingPath(entries[i].path) else { continue }
            pending[Key(modelID: modelID, at: entries[i].receivedAt), default: Figures()]
                .add(latencyMicros: entries[i].latencyMicros, status: entries[i].status)
        }
    }

    /// Adds the pending figures to the table in one transaction and forgets them; if that
    /// fails they stay pending for the next flush. Keys go in order, so replicas flushing the
    /// same minutes at once cannot deadlock.
    public mutating func flush(to database: any Database) throws {
        guard !pending.isEmpty else { return }
        let sql = Self.upsertSQL
        let keys = pending.keys.sorted()
        try database.transaction { connection in
            for key in keys {
                let figures = pending[key]!
                try connection.execute(
                    sql,
                    [
                        .integer(key.modelID), .timestamp(Date(timeIntervalSince1970: TimeInterval(key.minute))),
                        .integer(figures.requests), .integer(figures.errors), .integer(figures.latencyMicrosSum),
                    ] + figures.buckets.map(SQLValue.integer))
            }
        }
        pending = [:]
    }

    /// A version's minutes from `since` on, oldest first.
    public static func read(_ database: any Database, modelID: Int64, since: Date) throws -> [(Date, Figures)] {
        let start = Key(modelID: modelID, at: since).minute
        let rows = try database.query(
            "SELECT \(columns.dropFirst().joined(separator: ", ")) FROM request_minutes "
                + "WHERE model_id = ? AND minute >= ? ORDER BY minute",
            [.integer(modelID), .timestamp(Date(timeIntervalSince1970: TimeInterval(start)))])
        return try rows.map { row in
            let stored = StoredRow(row: row, table: "request_minutes", label: "version \(modelID)")
            var figures = Figures()
            figures.requests = try stored.int64("requests")
            figures.errors = try stored.int64("errors")
            figures.latencyMicrosSum = try stored.int64("latency_us_sum")
            figures.buckets = try bucketColumns.map { try stored.int64($0) }
            return (try stored.date("minute"), figures)
        }
    }

    static func bucket(of micros: Int64) -> Int {
        // The first bound at or above; a binary search over 20 bounds.
        var low = 0
        var high = boundsMicros.count
        while low < high {
            let mid = (low + high) / 2
            if boundsMicros[mid] < micros { low = mid + 1 } else { high = mid }
        }
        return low
    }

    private static let upsertSQL: String = {
        let counted = columns.dropFirst(2)
        return """
            INSERT INTO request_minutes (\(columns.joined(separator: ", ")))
            VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))
            ON CONFLICT (model_id, minute) DO UPDATE SET \
            \(counted.map { "\($0) = request_minutes.\($0) + excluded.\($0)" }.joined(separator: ", "))
            """
    }()
}
