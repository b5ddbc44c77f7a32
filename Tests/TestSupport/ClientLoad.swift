import Foundation
import Synchronization

/// `clients` connections on their own threads, each calling `step` until `stop()`, until
/// `step` says it is done (returns false) or throws; what they threw is in `failures`.
public final class ClientLoad: Sendable {
    private let stopping = Atomic<Bool>(false)
    private let group = DispatchGroup()
    public let failures = Failures()

    public init(clients: Int, port: Int, _ step: @escaping @Sendable (TestClient) throws -> Bool) {
        for _ in 0..<clients {
            group.enter()
            Thread { [self] in
                defer { group.leave() }
                do {
                    let client = try TestClient(port: port)
                    while !stopping.load(ordering: .relaxed), try step(client) {}
                } catch {
                    failures.add("\(error)")
                }
            }.start()
        }
    }

    /// Ends every client and waits for them.
    public func stop() {
        stopping.store(true, ordering: .relaxed)
        group.wait()
    }
}
