import CLibPQ
import Foundation

/// Waits for Postgres NOTIFY messages on one channel over a dedicated connection, so that
/// several processes sharing a database hear about each other's changes.
///
/// Not thread-safe: one thread owns a listener (the handle is owned and finished once).
public final class NotificationListener {
    private let connection: PostgresConnection
    public let channel: String

    init(_ configuration: PostgresConfiguration, channel: SQLIdentifier) throws {
        connection = try PostgresConnection(configuration)
        self.channel = channel.name
        try connection.executeScript("LISTEN \(channel.quoted)")
    }

    /// Waits up to `timeout` seconds; returns the payloads received (empty on timeout).
    /// Throws if the connection is lost, so the caller can reconnect.
    public func wait(timeout: Double) throws -> [String] {
        var payloads = try drain()
        if !payloads.isEmpty { return payloads }
        var descriptor = pollfd(fd: PQsocket(connection.handle), events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, Int32(timeout * 1000))
        if ready < 0 && errno != EINTR { throw DatabaseError(.connection, message: "waiting for notifications failed") }
        guard PQconsumeInput(connection.handle) == 1 else {
            throw connection.connectionError(sql: "LISTEN \(channel)")
        }
        payloads = try drain()
        return payloads
    }

    private func drain() throws -> [String] {
        var payloads: [String] = []
        while let notification = PQnotifies(connection.handle) {
            payloads.append(String(cString: notification.pointee.extra))
            PQfreemem(notification)
        }
        if !connection.isHealthy { throw connection.connectionError(sql: "LISTEN \(channel)") }
        return payloads
    }
}

extension PostgresDatabase {
    /// A listener on `channel` over its own connection (outside the pool).
    public func listen(channel: String) throws -> NotificationListener {
        try NotificationListener(configuration, channel: SQLIdentifier(validating: channel, what: "channel"))
    }
}
