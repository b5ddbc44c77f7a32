import Foundation
import Registry
public import Storage
import Synchronization

/// Keeps a `ModelStore` in step with the database's production pointers: on Postgres it
/// LISTENs for the registry's notifications (sub-second) and re-checks every few seconds
/// as a safety net; on SQLite it polls. `listenOn`: where to LISTEN when the store's database
/// cannot carry it (PgBouncer in transaction mode hands each transaction any server
/// connection, so a LISTEN is lost): a direct connection to the same Postgres.
public final class ProductionWatcher: Sendable {
    private let store: ModelStore
    private let database: any Database
    private let listenOn: PostgresDatabase?
    private let pollInterval: Double
    private let stopped = Atomic<Bool>(false)
    private let done = DispatchSemaphore(value: 0)
    private let onError: @Sendable (String) -> Void

    public init(
        store: ModelStore, database: any Database, listenOn: PostgresDatabase? = nil, pollInterval: Double = 1,
        onError: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.store = store
        self.database = database
        self.listenOn = listenOn
        self.pollInterval = pollInterval
        self.onError = onError
    }

    public func start() {
        let thread = Thread { [self] in
            run()
            done.signal()
        }
        thread.name = "production-watcher"
        thread.start()
    }

    public func stop() {
        stopped.store(true, ordering: .releasing)
        done.wait()
    }

    private func run() {
        var listener: NotificationListener?
        var lastCheck = 0.0
        while !stopped.load(ordering: .acquiring) {
            do {
                if let postgres = listenOn ?? database as? PostgresDatabase {
                    if listener == nil { listener = try postgres.listen(channel: "modelserve_production") }
                    let heard = try listener!.wait(timeout: 0.25)
                    let now = Date().timeIntervalSince1970
                    if !heard.isEmpty || now - lastCheck >= 5 {
                        lastCheck = now
                        try store.refresh()
                    }
                } else {
                    Thread.sleep(forTimeInterval: min(pollInterval, 0.25))
                    let now = Date().timeIntervalSince1970
                    if now - lastCheck >= pollInterval {
                        lastCheck = now
                        try store.refresh()
                    }
                }
            } catch {
                listener = nil
                onError("production watcher: \(error)")
                Thread.sleep(forTimeInterval: 0.5)
            }
        }
    }
}
