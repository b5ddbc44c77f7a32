public import Foundation
import Storage

/// Keeping `request_log` for as long as it is wanted and no longer: on Postgres a partition
/// per UTC day, made ahead by the writer and dropped whole once older than the retention;
/// on SQLite old rows deleted in small batches, found through the minutes' id bounds, so no
/// one statement holds the write lock long.
extension RequestLogStore {
    /// Days ahead of today that have their partition before their first row.
    public static let daysAhead = 2

    /// The partition of the day `date` falls in (UTC), by name.
    public static func partitionName(_ date: Date) -> String {
        "request_log_"
            + date.formatted(Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day())
            .replacingOccurrences(of: "-", with: "")
    }

    /// Creates the day partitions from today through `daysAhead` (Postgres; nothing to do on
    /// SQLite). Another writer making the same one at the same moment is not an error.
    public func preparePartitions(now: Date = Date()) throws {
        guard database.dialect == .postgres else { return }
        for ahead in 0...Self.daysAhead {
            let day = Self.dayStart(now).addingTimeInterval(Double(ahead) * 86_400)
            let name = try SQLIdentifier(validating: Self.partitionName(day))
            do {
                _ = try database.execute(
                    """
                    CREATE TABLE IF NOT EXISTS \(name.quoted) PARTITION OF request_log
                    FOR VALUES FROM ('\(day.formatted(.iso8601))') TO ('\(day.addingTimeInterval(86_400).formatted(.iso8601))')
                    """)
            } catch {
                // Made by another writer in between: it exists, which is all this wanted.
                if try !partitions().contains(name.name) { throw error }
            }
        }
    }

    /// The day partitions there are, by name (Postgres).
    public func partitions() throws -> [String] {
        guard database.dialect == .postgres else { return [] }
        return try database.query(
            """
            SELECT c.relname FROM pg_inherits i
            JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
            WHERE p.relname = 'request_log' AND p.relnamespace = current_schema()::regnamespace
            ORDER BY c.relname
            """
        ).compactMap { $0[0].string }.filter { $0 != "request_log_default" }
    }

    /// Removes rows received before `cutoff`: on Postgres every day partition that ends by
    /// then is dropped, and the default partition's old rows deleted; on SQLite (and in the
    /// default partition) at most `batch` rows go per call, so the caller calls again while
    /// it returns a full batch. Returns the rows deleted (dropped partitions not counted)
    /// and the partitions dropped.
    @discardableResult
    public func expire(before cutoff: Date, batch: Int = 1_000) throws -> (rows: Int, partitions: [String]) {
        var dropped: [String] = []
        var table = "request_log"
        if database.dialect == .postgres {
            let last = Self.partitionName(cutoff.addingTimeInterval(-86_400))
            for name in try partitions() where name <= last && name.count == "request_log_".count + 8 {
                _ = try database.execute("DROP TABLE IF EXISTS \(try SQLIdentifier(validating: name).quoted)")
                dropped.append(name)
            }
            table = "request_log_default"
        }
        let old = Self.received(before: cutoff, dialect: database.dialect)
        let limit = max(1, batch)
        let rows = try database.execute(
            """
            DELETE FROM \(table) WHERE id IN (
                SELECT id FROM \(table) WHERE \(old.sql) ORDER BY id LIMIT ?)
            """, old.parameters + [.integer(Int64(limit))])
        // The minutes' id bounds go once none of their rows is left.
        if database.dialect == .sqlite && rows < limit { try Self.forgetMinuteIDs(before: cutoff, on: database) }
        return (rows, dropped)
    }

    static func dayStart(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400)
    }
}
