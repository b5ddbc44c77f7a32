import Foundation
import Testing

@testable import Storage

@Suite("Connection pool")
struct ConnectionPoolTests {
    /// Statements stay prepared per connection, so a thread should find the connection it
    /// left, not whichever another thread returned last.
    @Test("a thread gets back the connection it returned, when that one is idle")
    func threadsKeepTheirConnections() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pool-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let pool = ConnectionPool(maxConnections: 2) { try SQLiteConnection(path: path) }
        defer { pool.close() }
        let held = DispatchSemaphore(value: 0)
        let returned = DispatchSemaphore(value: 0)
        let again = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        let seen = Seen()
        // The other thread takes the second connection while this one holds the first, and
        // returns it after this one has returned its own: it is then on top of the idle list.
        let other = Thread {
            held.wait()
            try? pool.withConnection { connection in
                seen.add("other", connection)
                returned.signal()
                again.wait()
            }
            done.signal()
        }
        other.start()
        try pool.withConnection { connection in
            seen.add("first", connection)
            held.signal()
            returned.wait()
        }
        again.signal()
        done.wait()
        try pool.withConnection { connection in seen.add("second", connection) }
        let ids = seen.all
        #expect(ids["first"] != ids["other"])
        #expect(ids["second"] == ids["first"])
    }
}

private final class Seen: @unchecked Sendable {
    private let lock = NSLock()
    private var ids: [String: ObjectIdentifier] = [:]
    func add(_ name: String, _ connection: any Connection) {
        lock.withLock { ids[name] = ObjectIdentifier(connection as AnyObject) }
    }
    var all: [String: ObjectIdentifier] { lock.withLock { ids } }
}
