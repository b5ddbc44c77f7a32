import Foundation
import Testing

@testable import Storage

@Suite("SQLite's kept statements")
struct SQLiteStatementCacheTests {
    func withConnection(_ body: (SQLiteConnection) throws -> Void) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kept-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        try body(try SQLiteConnection(path: path))
    }

    @Test("statements asked for ahead wait prepared, and run as usual")
    func keptAhead() throws {
        try withConnection { connection in
            try connection.execute("CREATE TABLE t (a INTEGER)", [])
            let insert = "INSERT INTO t (a) VALUES (?)"
            let count = "SELECT count(*) FROM t"
            #expect(!connection.isKept(insert))
            try connection.keepPrepared([insert, count])
            #expect(connection.isKept(insert) && connection.isKept(count))
            // Taken for a run, then back.
            #expect(try connection.execute(insert, [.integer(1)]) == 1)
            #expect(connection.isKept(insert))
            #expect(try connection.query(count, [])[0][0] == .integer(1))
            #expect(connection.isKept(count))
            // Asking again prepares nothing new and keeps one of each.
            try connection.keepPrepared([insert, count])
            #expect(try connection.execute(insert, [.integer(2)]) == 1)
            #expect(try connection.query(count, [])[0][0] == .integer(2))
            // A statement that cannot be prepared is an error, and nothing is kept for it.
            #expect(throws: DatabaseError.self) { try connection.keepPrepared(["INSERT INTO missing VALUES (1)"]) }
            #expect(!connection.isKept("INSERT INTO missing VALUES (1)"))
        }
    }
}
