import Synchronization

/// One kind of request that runs off the event loops, with its own limit on how many may be
/// queued or running at once: a flood of one kind (slow dashboard loads, trainings) is
/// refused with a 503 instead of taking every worker thread and queue slot from the others.
public final class WorkLane: Sendable {
    /// Named in the 503 a full lane answers ("busy with GET /models requests").
    public let name: String
    public let limit: Int
    private let count = Atomic<Int>(0)

    public init(name: String, limit: Int) {
        self.name = name
        self.limit = max(1, limit)
    }

    /// Requests of this lane queued or running now.
    public var depth: Int { count.load(ordering: .relaxed) }

    /// Takes a slot; false when the lane is full.
    func enter() -> Bool {
        var current = count.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = count.compareExchange(
                expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
            if exchanged { return true }
            current = original
        }
        return false
    }

    func leave() {
        count.subtract(1, ordering: .releasing)
    }
}

/// What a handler does with a request: answer it on the event loop now, or hand the server
/// work to run on a worker thread within a lane's limit.
public enum Dispatch: Sendable {
    case answer(HTTPResponse)
    case offLoop(WorkLane, @Sendable () -> HTTPResponse)
}
