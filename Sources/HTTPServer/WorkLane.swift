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
    /// The work is called once: with nil on a worker to run it, or with a refusal on the
    /// loop when the lane or the worker queue is full, to answer that instead. The work holds
    /// the request either way, so the loop hands the request over rather than keeping a copy.
    case offLoop(WorkLane, @Sendable (_ refused: Refusal?) -> HTTPResponse)
}

/// Why the server did not take on a request it had parsed (a full lane): the status and
/// the message the answer carries.
public struct Refusal: Sendable {
    public let status: Int
    public let message: String

    public init(status: Int, message: String) {
        self.status = status
        self.message = message
    }
}
