import Foundation

/// Threads of our own for handlers that may block (database work, training), so the event
/// loops never wait on them, with a bounded queue so a flood of slow requests is refused
/// instead of piling up.
///
/// Not GCD's global queue: on Linux its width follows the core count, so a few blocked
/// handlers (a long query, a pool waiting for a connection) would hold back every other
/// slow request in the process, and its threads are shared with anything else that uses it.
///
/// Thread safety: the queue and the stopping flag are read and written under `condition`'s
/// lock only (hence `@unchecked Sendable`).
final class WorkerPool: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var stopping = false
    private let capacity: Int

    init(threads: Int, capacity: Int) {
        self.capacity = max(1, capacity)
        for index in 0..<max(1, threads) {
            let thread = Thread { [self] in work() }
            thread.name = "http-worker-\(index)"
            thread.start()
        }
    }

    /// Queues a job; false when the queue is full (the caller answers 503).
    func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping, jobs.count < capacity else { return false }
        jobs.append(job)
        condition.signal()
        return true
    }

    /// Lets queued jobs finish, then ends the threads.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}
