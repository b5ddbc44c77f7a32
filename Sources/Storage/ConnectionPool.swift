import Foundation

/// A small bounded pool of connections shared by threads.
///
/// Thread safety lives here and only here: connections are not thread-safe, and the pool
/// hands each one to exactly one borrower at a time. All mutable state is read and written
/// under `condition`'s lock, which is why the class can be `@unchecked Sendable`.
final class ConnectionPool: @unchecked Sendable {
    private let condition = NSCondition()
    /// Idle connections with the thread that last returned each. A thread gets back the one
    /// it used last when that one is idle: statements stay prepared per connection (SQLite),
    /// so the request log writer, which repeats the same few, finds them ready instead of
    /// preparing each again on whichever connection another thread left on top.
    private var idle: [(connection: any Connection, lastUser: pthread_t)] = []
    private var open = 0
    private var closed = false
    private let maxConnections: Int
    private let waitTimeout: TimeInterval
    private let connect: () throws -> any Connection

    init(maxConnections: Int, waitTimeout: TimeInterval = 30, connect: @escaping () throws -> any Connection) {
        self.maxConnections = max(1, maxConnections)
        self.waitTimeout = waitTimeout
        self.connect = connect
    }

    func withConnection<T>(_ body: (any Connection) throws -> T) throws -> T {
        let connection = try checkOut()
        defer { checkIn(connection) }
        return try body(connection)
    }

    private func checkOut() throws -> any Connection {
        condition.lock()
        let deadline = Date().addingTimeInterval(waitTimeout)
        while true {
            if closed {
                condition.unlock()
                throw DatabaseError.misuse("the database was closed")
            }
            if !idle.isEmpty {
                let me = pthread_self()
                let mine = idle.lastIndex { pthread_equal($0.lastUser, me) != 0 } ?? idle.count - 1
                let connection = idle.remove(at: mine).connection
                condition.unlock()
                return connection
            }
            if open < maxConnections {
                open += 1
                condition.unlock()
                do {
                    return try connect()
                } catch {
                    condition.lock()
                    open -= 1
                    condition.signal()
                    condition.unlock()
                    throw error
                }
            }
            if !condition.wait(until: deadline) {
                condition.unlock()
                throw DatabaseError.misuse(
                    "no database connection became free within \(Int(waitTimeout)) s (pool of \(maxConnections))")
            }
        }
    }

    private func checkIn(_ connection: any Connection) {
        if connection.isInTransaction { try? connection.rollback() }
        condition.lock()
        if connection.isHealthy && !closed {
            idle.append((connection, pthread_self()))
        } else {
            open -= 1
        }
        condition.signal()
        condition.unlock()
    }

    func close() {
        condition.lock()
        closed = true
        open -= idle.count
        idle.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}
