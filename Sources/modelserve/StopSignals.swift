import Dispatch
import Foundation
import Synchronization

/// SIGTERM and SIGINT taken over for a clean stop: their default action (dying mid-write)
/// is ignored and `handler` runs instead, on a dispatch queue rather than in the signal's
/// context. Handled for as long as the value lives, until `cancel()`.
struct StopSignals {
    private let sources: [any DispatchSourceSignal]

    init(_ handler: @escaping @Sendable () -> Void) {
        sources = [SIGTERM, SIGINT].map { sig in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler(handler: handler)
            source.resume()
            return source
        }
    }

    func cancel() {
        sources.forEach { $0.cancel() }
    }
}

/// Set once, from a signal handler; read by a loop.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func set() { flag.store(true, ordering: .relaxed) }
    var isSet: Bool { flag.load(ordering: .relaxed) }
}
