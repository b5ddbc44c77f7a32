public import Foundation
public import Storage

/// Rows by when they were received, without an index on `received_at` on SQLite (keeping
/// one cost the writer ~2,000 instructions a row): ids that bound each minute's rows in
/// `request_log_minute_ids`, kept by the writer as it stores rows, bound a time window's ids,
/// and the `received_at` test inside the bound keeps the answer exact whatever order rows
/// were stored in. Postgres keeps its BRIN index and partitions and filters directly.
extension RequestLogStore {
    /// A condition on `request_log` (aliased `table`, if given) for rows received at or
    /// after the timestamp it binds: the SQL and its parameters.
    public static func received(since date: Date, dialect: SQLDialect, table: String? = nil) -> (
        sql: String, parameters: [SQLValue]
    ) {
        let column = table.map { "\($0)." } ?? ""
        guard dialect == .sqlite else { return ("\(column)received_at >= ?", [.timestamp(date)]) }
        return (
            """
            \(column)id >= (SELECT COALESCE(MIN(first_id), 9223372036854775807) FROM request_log_minute_ids
                WHERE minute >= substr(?, 1, 16)) AND \(column)received_at >= ?
            """, [.timestamp(date), .timestamp(date)]
        )
    }

    /// A condition for rows received before the timestamp it binds (retention's).
    static func received(before date: Date, dialect: SQLDialect) -> (sql: String, parameters: [SQLValue]) {
        guard dialect == .sqlite else { return ("received_at < ?", [.timestamp(date)]) }
        return (
            """
            id <= (SELECT COALESCE(MAX(last_id), 0) FROM request_log_minute_ids
                WHERE minute <= substr(?, 1, 16)) AND received_at < ?
            """, [.timestamp(date), .timestamp(date)]
        )
    }

    /// The largest id in the table (0 when empty): where a batch about to be stored starts.
    static func lastID(on connection: any Connection) throws -> Int64 {
        try connection.queryFirst("SELECT COALESCE(MAX(id), 0) FROM request_log")?[0].int64 ?? 0
    }

    /// Widens the id bounds of the minutes a stored batch's rows were received in to the
    /// ids the batch took (SQLite, in the transaction that stored it). A batch's rows take
    /// consecutive ids from one past the largest (SQLite's rowids; rows skipped as stored
    /// already take none), so every row lies within its minute's bounds, at most one batch
    /// wider than the rows themselves. No row is read back for it.
    static func noteMinutes(of batch: [LogEntry], ids: ClosedRange<Int64>, on connection: any Connection) throws {
        // A batch spans a minute or two: one of its rows stands for each.
        var minutes: [(minute: Int64, receivedAt: Date)] = []
        // Through a buffer pointer: a for-in copied every entry (~300 instructions a row).
        batch.withUnsafeBufferPointer { entries in
            for k in entries.indices {
                let receivedAt = entries[k].receivedAt
                let minute = Timestamp.minute(receivedAt)
                if !minutes.contains(where: { $0.minute == minute }) { minutes.append((minute, receivedAt)) }
            }
        }
        for (_, receivedAt) in minutes {
            _ = try connection.execute(
                """
                INSERT INTO request_log_minute_ids (minute, first_id, last_id) VALUES (substr(?, 1, 16), ?, ?)
                ON CONFLICT (minute) DO UPDATE SET
                    first_id = MIN(first_id, excluded.first_id), last_id = MAX(last_id, excluded.last_id)
                """, [.timestamp(receivedAt), .integer(ids.lowerBound), .integer(ids.upperBound)])
        }
    }

    /// Forgets the id bounds of the minutes before `date`'s once retention has removed their
    /// rows (SQLite).
    static func forgetMinuteIDs(before date: Date, on database: any Database) throws {
        _ = try database.execute(
            "DELETE FROM request_log_minute_ids WHERE minute < substr(?, 1, 16)", [.timestamp(date)])
    }
}
