import Foundation
import TestSupport
import Testing

@testable import Storage

/// The write-ahead log is checkpointed by a thread of its own, not inside the commit that
/// fills it, and stays bounded however the writer behaves.
@Suite("SQLite checkpoints off the committing thread")
struct SQLiteCheckpointerTests {
    static let pageBytes = 4096

    /// A 4 KB value a row: every row is at least one WAL page.
    static func write(_ database: SQLiteDatabase, transactions: Int, rows: Int) throws {
        let blob = [UInt8](repeating: 7, count: pageBytes)
        for _ in 0..<transactions {
            try database.transaction { connection in
                for _ in 0..<rows { try connection.execute("INSERT INTO t (b) VALUES (?)", [.bytes(blob)]) }
            }
        }
    }

    static func walPages(_ path: String) -> Int {
        let size = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        return size / pageBytes
    }

    static func open() throws -> (SQLiteDatabase, String) {
        let path = temporaryPath(suffix: ".sqlite")
        let database = try SQLiteDatabase(path: path)
        try database.withConnection { try $0.executeScript("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)") }
        return (database, path)
    }

    /// Past 1,000 pages the commit asks and the thread checkpoints; everything written is
    /// there and the file is sound.
    @Test func theThreadCheckpoints() throws {
        let (database, path) = try Self.open()
        defer {
            database.close()
            try? FileManager.default.removeItem(atPath: path)
        }
        try Self.write(database, transactions: 60, rows: 20)
        database.walCheckpointer.waitUntilIdle()
        #expect(database.walCheckpointer.checkpoints >= 1)
        let count = try database.query("SELECT count(*) FROM t")[0][0].int64
        let check = try database.query("PRAGMA integrity_check")[0][0].string
        #expect(count == 1_200 && check == "ok")
    }

    /// With the thread stopped, SQLite's own automatic checkpoint is off (the log passes
    /// 2,000 pages, where SQLite would have restarted it at 1,000), and the committer's
    /// fallback still bounds it at the hard limit while three times that is written.
    @Test func theLogStaysBounded() throws {
        let (database, path) = try Self.open()
        defer {
            database.close()
            try? FileManager.default.removeItem(atPath: path)
        }
        database.walCheckpointer.stop()
        try Self.write(database, transactions: 25, rows: 100)
        #expect(Self.walPages(path) > 2_000, "\(Self.walPages(path)) pages")
        var largest = 0
        for _ in 0..<Int(3 * SQLiteCheckpointer.hardLimit) / 1_000 {
            try Self.write(database, transactions: 10, rows: 100)
            largest = max(largest, Self.walPages(path))
        }
        #expect(largest <= Int(SQLiteCheckpointer.hardLimit) + 1_200, "\(largest) pages")
        #expect(database.walCheckpointer.checkpoints == 0)
        let count = try database.query("SELECT count(*) FROM t")[0][0].int64
        #expect(count == Int64(2_500 + 48 * 1_000))
    }
}
