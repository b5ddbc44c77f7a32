public import Foundation
import HTTPServer
public import Registry
public import Storage

/// Writes every request to `request_log` off the request path.
///
/// Requests append to a bounded queue; a writer thread drains it in batches. When the queue
/// is full because the writer is held up inside the database (a long commit, a lock, a disk
/// stalled), an entry whose loop journals (`durability` not `none`) goes to the lane's
/// overflow file instead, and the loop goes on answering; once free, the writer stores those
/// files a slice a round between live batches, through the live path (their entries were
/// never queued, so none can be stored already). So a stall is absorbed, and a backlog is
/// worked off at the database's pace: there is no overflow while the spill journal holds
/// rows (the database away, or a replay under way: overflowing then would feed the journal
/// faster than its replay drains it) or past `overflowLimit` entries waiting. Then, as without a journal and for shadow entries, a full queue makes the
/// appender wait (backpressure, never a drop). A write starts once `batchSize` rows wait
/// (or 50 ms pass), so under moderate load each write is a short burst that does not hold a
/// core while requests wait; writes are at least `spacing` apart, so under heavy load
/// batches grow (up to `maxBatch`) rather than their number.
///
/// Crash safety (`durability`): with `process` or `machine`, each event loop writes the
/// entries of its answers to its own journal lane before it sends them (`commit(lane:)`),
/// and the next start replays the lanes, so an answered request is in the log even after
/// kill -9. When the database is away the writer spills batches to a local journal file,
/// and once it is back replays that journal in slices between live batches, so a long
/// outage never stalls the live queue. Inserts skip request ids already stored, so a
/// replay cannot duplicate a row. `shutdown` flushes.
public final class RequestLog: @unchecked Sendable {
    private struct State {
        var queue: [LogEntry] = []
        var stopping = false
        var written = 0
        var journaled = 0
        var rejected = 0
        var databaseDown = false
        /// Entries ever appended; an entry's sequence number is the count after it.
        var appended: UInt64 = 0
        /// Entries taken from the queue by the writer.
        var taken: UInt64 = 0
        /// Entries through this sequence number are in the database (or were refused).
        var stored: UInt64 = 0
        /// Someone waits for the queue to reach the database (`waitUntilStored`): the writer
        /// takes what is queued now instead of waiting for a full batch.
        var flushRequested = false
        /// Entries sent to the lanes' overflow files and not yet stored (or moved into the
        /// spill journal).
        var overflowWaiting = 0
        /// Entries ever sent to overflow (for the tests and /metrics-style reading).
        var overflowed = 0
    }

    let store: RequestLogStore
    private let capacity: Int
    /// Entries that may wait in overflow files at most: 20 queues' worth (200,000 entries,
    /// ~100 MB of disk, about three seconds of a saturated two-core server by default).
    /// Memory is not the bound there; the disk and the replay's catching up are.
    let overflowLimit: Int
    private let batchSize: Int
    private let maxBatch: Int
    private let spacing: TimeInterval
    /// How long a partial batch waits for company before it is written.
    private let maxWait: TimeInterval
    let journalPath: String
    public let durability: LogDurability
    private let laneCount: Int
    private(set) var lanes: [JournalLane] = []
    private var lockFD: Int32 = -1
    /// Whether the writer thread runs (so `shutdown` has something to wait for).
    private var started = false
    /// Guarded by `condition`'s lock (hence @unchecked Sendable below): appenders and the
    /// writer meet there, and appenders wake the writer only when a batch is full.
    nonisolated(unsafe) private var unsafeState = State()
    private let condition = NSCondition()
    private let finished = DispatchSemaphore(value: 0)
    let onError: @Sendable (String) -> Void
    /// Where replay of the spill journal has got to (writer thread only).
    var replayOffset = 0
    /// Overflow files taken from a lane and being stored, by lane (writer thread only):
    /// where the next slice starts and how many entries are left.
    var draining: [Int: OverflowFile] = [:]
    var overflowMoveFailing = false
    /// Rows replayed per writer round, between live batches.
    let replaySlice: Int
    /// Overflow entries stored per writer round and lane: a live batch's worth.
    var overflowSlice: Int { maxBatch }
    /// Requests per version and minute stored since the last flush to `request_minutes`
    /// (writer thread only), flushed every `minuteFlushInterval` seconds and at shutdown.
    private var minutes = RequestMinutes()
    private let minuteFlushInterval: TimeInterval
    private var lastMinuteFlush = 0.0
    private var minuteFlushFailing = false
    /// Versions × minutes kept at most while flushes fail (a day of 100 versions).
    static let maxPendingMinutes = 144_000
    /// How long rows are kept (nil: for ever); see `maintain`.
    private let retention: TimeInterval?
    private var lastMaintenance = -Double.infinity
    /// The last expiry removed a full batch: more to remove next round.
    private var expiring = false
    private var maintenanceFailing = false
    /// Seconds between rounds of upkeep (partitions made ahead, retention applied).
    static let maintenanceInterval = 3_600.0
    /// Old rows removed per round at most (SQLite, and Postgres' default partition).
    static let expiryBatch = 1_000

    public init(
        database: any Database, capacity: Int = 10_000, batchSize: Int = 100, maxBatch: Int = 1_000,
        spacing: TimeInterval = 0.004, maxWait: TimeInterval = 0.05,
        journalPath: String, durability: LogDurability = .process, lanes: Int = 1, replaySlice: Int = 500,
        minuteFlushInterval: TimeInterval = 1, retention: TimeInterval? = nil,
        onError: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.retention = retention
        self.minuteFlushInterval = max(0, minuteFlushInterval)
        store = RequestLogStore(database, chunk: max(1, batchSize))
        self.capacity = max(1, capacity)
        overflowLimit = 20 * self.capacity
        self.batchSize = max(1, batchSize)
        self.maxBatch = max(self.batchSize, maxBatch)
        self.spacing = max(0, spacing)
        self.maxWait = max(0.001, maxWait)
        self.journalPath = journalPath
        self.durability = durability
        laneCount = max(1, lanes)
        self.replaySlice = max(1, replaySlice)
        self.onError = onError
    }

    deinit {
        if lockFD >= 0 { close(lockFD) }
    }

    /// Runs `body` on the state under the lock.
    private func locked<T>(_ body: (inout State) -> T) -> T {
        condition.lock()
        defer { condition.unlock() }
        return body(&unsafeState)
    }

    /// Entries waiting in memory.
    public var queueDepth: Int { locked { $0.queue.count } }
    /// Rows stored in the database by this process.
    public var rowsWritten: Int { locked { $0.written } }
    /// Rows not yet in the database: in memory, in overflow files and in the journal.
    public var rowsWaiting: Int { locked { $0.queue.count + $0.overflowWaiting + $0.journaled } }
    /// Rows in the spill journal, waiting for the database.
    public var rowsJournaled: Int { locked { $0.journaled } }
    /// Rows the database refused even one at a time (reported through `onError`).
    public var rowsRejected: Int { locked { $0.rejected } }
    /// Entries that found the queue full and went to a lane's overflow file instead.
    public var rowsOverflowed: Int { locked { $0.overflowed } }
    public var isDatabaseDown: Bool { locked { $0.databaseDown } }

    /// Claims the journal (one process per journal path), recovers what a crashed run left
    /// in its lanes into the spill journal, and starts the writer.
    public func start() throws {
        lockFD = open(journalPath + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lockFD >= 0, flock(lockFD, LOCK_EX | LOCK_NB) == 0 else {
            throw JournalError(
                "the request log journal \(journalPath) is in use by another process; give each process its own --journal"
            )
        }
        let recovered = try recoverLanes()
        let journaled = try countJournal()
        locked { $0.journaled = journaled }
        if recovered > 0 { onError("request log: recovered \(recovered) entries from a previous run's journal") }
        if durability != .none {
            lanes = try (0..<laneCount).map { lane in
                try JournalLane(
                    paths: [lanePath(lane, 0), lanePath(lane, 1)], overflowPath: overflowPath(lane),
                    sync: durability == .machine)
            }
        }
        let thread = Thread { [self] in
            writerLoop()
            finished.signal()
        }
        thread.name = "request-log-writer"
        thread.start()
        started = true
    }

    func lanePath(_ lane: Int, _ file: Int) -> String { "\(journalPath).wal-\(lane)-\(file)" }
    /// Named like the lanes, so a crashed run's overflow is recovered with them.
    func overflowPath(_ lane: Int) -> String { "\(journalPath).wal-\(lane)-overflow" }

    /// Queues an entry. `lane`: the event loop that will send the answer (its journal lane
    /// holds the entry until `commit(lane:)`). A full queue sends the entry to the lane's
    /// overflow file when there are lanes, and otherwise waits for room.
    public func append(_ entry: consuming LogEntry, lane: Int = 0) {
        guard !lanes.isEmpty else {
            enqueue(entry)
            return
        }
        let journal = lanes[lane % lanes.count]
        guard let waiting = journal.add(entry, offer: { offer($0) }) else { return }
        // Full, with the database away: the loop waits for room outside the lane's lock
        // (the writer takes it to recycle the lane), then journals the entry under its number.
        let sequence = enqueue(copy waiting)
        journal.add(waiting, sequence: sequence)
    }

    /// Queues an entry that no answer waits on (a shadow version's scoring), from any
    /// thread: written like the others, but not journaled, so a crash may lose it.
    public func appendUnjournaled(_ entry: LogEntry) {
        enqueue(entry)
    }

    /// Queues an entry, waiting for room; its sequence number.
    @discardableResult
    private func enqueue(_ entry: consuming LogEntry) -> UInt64 {
        condition.lock()
        while unsafeState.queue.count >= capacity && !unsafeState.stopping { condition.wait() }
        let sequence = queueLocked(entry)
        condition.unlock()
        return sequence
    }

    /// Queues an entry if that needs no wait. A full queue counts it as overflow (it goes to
    /// the lane's overflow file) while the database is reachable and nothing is spilled;
    /// otherwise hands it back, to be queued by waiting for room.
    private func offer(_ entry: consuming LogEntry) -> JournalLane.Offer {
        condition.lock()
        defer { condition.unlock() }
        if unsafeState.queue.count >= capacity && !unsafeState.stopping {
            guard !unsafeState.databaseDown && unsafeState.journaled == 0
                && unsafeState.overflowWaiting < overflowLimit
            else { return .full(entry) }
            unsafeState.overflowWaiting += 1
            unsafeState.overflowed += 1
            return .overflowed
        }
        return .queued(sequence: queueLocked(entry))
    }

    /// Appends to the queue (under `condition`) and numbers the entry.
    private func queueLocked(_ entry: consuming LogEntry) -> UInt64 {
        unsafeState.queue.append(entry)
        unsafeState.appended += 1
        // Wake the writer only when a batch is ready (or the largest one, if it is pacing its
        // writes); otherwise it comes by within 50 ms.
        let count = unsafeState.queue.count
        if count == batchSize || count == maxBatch { condition.broadcast() }
        return unsafeState.appended
    }

    /// Waits (at most `timeout` seconds) until everything queued when it was called is in
    /// the database, asking the writer not to wait for a full batch; false on timeout (the
    /// database away, say). For a reader that must see a request just answered: feedback
    /// that arrives before its prediction's row.
    public func waitUntilStored(timeout: TimeInterval) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let target = unsafeState.appended
        let deadline = Date().addingTimeInterval(timeout)
        // Overflow entries reach the database through the spill journal: wait for both too.
        func waiting() -> Bool {
            unsafeState.stored < target || unsafeState.overflowWaiting > 0
                || (unsafeState.overflowed > 0 && unsafeState.journaled > 0)
        }
        while waiting() {
            unsafeState.flushRequested = true
            condition.broadcast()
            if !condition.wait(until: deadline) { return !waiting() }
        }
        return true
    }

    /// Makes the entries appended for `lane` crash-safe: called by that event loop before
    /// it sends the answers they describe.
    public func commit(lane: Int) {
        guard !lanes.isEmpty else { return }
        let result = lanes[lane % lanes.count].commit()
        if let problem = result.problem { onError(problem) }
        guard !result.unwritten.isEmpty else { return }
        // Overflow the file could not take: nowhere else holds it, so it waits for room.
        locked { $0.overflowWaiting -= result.unwritten.count }
        for entry in result.unwritten { enqueue(entry) }
    }

    /// Writes everything queued (and the journal, if the database is reachable), then stops.
    public func shutdown() {
        guard started else { return }
        condition.lock()
        unsafeState.stopping = true
        condition.broadcast()
        condition.unlock()
        finished.wait()
        finished.signal()  // a second shutdown returns at once
    }

    private func writerLoop() {
        var lastProbe = 0.0
        var lastTake = Date.distantPast
        while true {
            condition.lock()
            let deadline = Date().addingTimeInterval(maxWait)
            while unsafeState.queue.count < batchSize && !unsafeState.stopping && !unsafeState.flushRequested {
                if !condition.wait(until: deadline) { break }
            }
            // Under heavy load, writes keep `spacing` apart and the batches grow instead of
            // their number: each batch has a fixed cost (a statement, a commit, two wake-ups).
            let earliest = lastTake.addingTimeInterval(spacing)
            while unsafeState.queue.count < maxBatch && !unsafeState.stopping && !unsafeState.flushRequested
                && Date() < earliest
            {
                _ = condition.wait(until: earliest)
            }
            let flushing = unsafeState.flushRequested
            unsafeState.flushRequested = false
            lastTake = Date()
            // Whole multiples of batchSize when there are that many, so SQLite reuses one
            // prepared statement; the rest waits for the next round.
            let waiting = unsafeState.queue.count
            let take =
                waiting < batchSize || flushing
                ? min(maxBatch, waiting) : min(maxBatch, waiting) / batchSize * batchSize
            // The whole queue is moved out when all of it goes (the usual case below full
            // load); copying entries out and removing them retained and released each twice.
            let batch: [LogEntry]
            if take == waiting {
                batch = unsafeState.queue
                unsafeState.queue = []
                unsafeState.queue.reserveCapacity(batch.count)
            } else {
                batch = Array(unsafeState.queue.prefix(take))
                unsafeState.queue.removeFirst(take)
            }
            unsafeState.taken += UInt64(take)
            let through = unsafeState.taken
            let stopping = unsafeState.stopping
            let overflowing = unsafeState.overflowWaiting > 0
            var down = unsafeState.databaseDown
            condition.broadcast()  // room for appenders waiting on a full queue
            condition.unlock()

            let now = Date().timeIntervalSince1970
            if down && now - lastProbe >= 0.5 {
                lastProbe = now
                if store.isReachable {
                    down = false
                    locked { $0.databaseDown = false }
                }
            }
            var durable = true
            // Counted as written once the minute figures that include it are flushed (when
            // due), so that a reader who sees the row count also sees them.
            var wrote = 0
            if !batch.isEmpty {
                if down {
                    durable = spill(batch)
                } else if store(batch) {
                    wrote = batch.count
                } else {
                    down = true
                    lastProbe = Date().timeIntervalSince1970
                    durable = spill(batch)
                }
            }
            // Every entry up to this batch's last is now in the database or the spill
            // journal: the lanes may forget them.
            if durable { recycleLanes(through: through) }
            // What a full queue sent to the overflow files, a slice a round.
            if overflowing || !draining.isEmpty { drainOverflow(finishing: false) }
            // The spill journal, a slice a round, so live rows keep moving meanwhile.
            if !down && locked({ $0.journaled > 0 }) { replaySliceOfJournal() }
            if !down { flushMinutes(force: stopping) }
            if !down && !stopping { maintain() }
            if wrote > 0 {
                condition.lock()
                unsafeState.written += wrote
                unsafeState.stored = through
                condition.broadcast()  // for waitUntilStored
                condition.unlock()
            }
            if stopping && locked({ $0.queue.isEmpty }) {
                drainOverflow(finishing: true)
                // Last chance to empty the journal: look again whether the database is back.
                if locked({ $0.journaled > 0 }) {
                    if locked({ $0.databaseDown }), store.isReachable {
                        locked { $0.databaseDown = false }
                    }
                    while !locked({ $0.databaseDown }) && locked({ $0.journaled > 0 }) { replaySliceOfJournal() }
                }
                if !locked({ $0.databaseDown }) { flushMinutes(force: true) }
                removeLaneFiles()  // the queue is empty: everything is in the database or the spill journal
                return
            }
        }
    }

    private func recycleLanes(through durable: UInt64) {
        for lane in lanes { lane.recycle(durableThrough: durable) }
    }

    /// Writes a live batch; false if the database is unreachable (the caller spills it). A
    /// batch the database refuses while reachable is written row by row, so one bad row
    /// cannot cost the others.
    func store(_ batch: [LogEntry]) -> Bool {
        do {
            try store.insert(batch)
            countMinutes(of: batch)
            return true
        } catch {
            guard store.isReachable else {
                locked { $0.databaseDown = true }
                onError("request log: database unavailable, journaling to \(journalPath): \(error)")
                return false
            }
            for entry in batch {
                do {
                    countMinutes(of: try store.insertNew([entry]))
                } catch {
                    locked { $0.rejected += 1 }
                    onError("request log: row \(entry.requestID) refused: \(error)")
                }
            }
            return true
        }
    }

    /// Upkeep between batches, hourly (writer thread only): the coming days' partitions
    /// (Postgres), and with a retention the rows older than it removed — whole partitions,
    /// or small batches a round until none is left, so live rows keep moving meanwhile.
    private func maintain() {
        let now = Monotonic.seconds()
        guard expiring || now - lastMaintenance >= Self.maintenanceInterval else { return }
        do {
            if !expiring {
                lastMaintenance = now
                try store.preparePartitions()
            }
            if let retention {
                let (rows, dropped) = try store.expire(
                    before: Date().addingTimeInterval(-retention), batch: Self.expiryBatch)
                expiring = rows == Self.expiryBatch
                if !dropped.isEmpty {
                    onError("request log: retention dropped \(dropped.joined(separator: ", "))")
                }
            }
            maintenanceFailing = false
        } catch {
            expiring = false
            if !maintenanceFailing { onError("request log: upkeep failed, will retry within the hour: \(error)") }
            maintenanceFailing = true
        }
    }

    /// Counts stored entries into the minute figures (writer thread only).
    func countMinutes(of stored: [LogEntry]) {
        minutes.add(stored)
    }

    /// Adds the minute figures to the table when `minuteFlushInterval` has passed (or
    /// `force`); on failure keeps them for the next round, reporting the first failure of a
    /// run of them, and past `maxPendingMinutes` keys gives them up (the log rows are safe).
    private func flushMinutes(force: Bool) {
        let now = Monotonic.seconds()
        guard !minutes.isEmpty, force || now - lastMinuteFlush >= minuteFlushInterval else { return }
        lastMinuteFlush = now
        do {
            try store.flush(&minutes)
            minuteFlushFailing = false
        } catch {
            if !minuteFlushFailing { onError("request log: request_minutes not updated, will retry: \(error)") }
            minuteFlushFailing = true
            if minutes.pending.count > Self.maxPendingMinutes {
                onError("request log: giving up \(minutes.pending.count) minutes of request figures")
                minutes = RequestMinutes()
            }
        }
    }

    // MARK: Bookkeeping for the journal (RequestLog+Journal.swift)

    func noteJournaled(_ count: Int) { locked { $0.journaled += count } }
    /// Overflow entries now in the spill journal.
    func noteOverflowJournaled(_ count: Int) {
        locked {
            $0.journaled += count
            $0.overflowWaiting = max(0, $0.overflowWaiting - count)
        }
    }
    /// Overflow entries now in the database (or refused, or set aside unreadable).
    func noteOverflowStored(_ count: Int, written: Bool = true) {
        locked {
            if written { $0.written += count }
            $0.overflowWaiting = max(0, $0.overflowWaiting - count)
            condition.broadcast()
        }
    }
    // These two wake `waitUntilStored`, which waits for the spill journal once overflow
    // went there.
    func noteReplayed(_ count: Int) {
        locked {
            $0.written += count
            $0.journaled = max(0, $0.journaled - count)
            condition.broadcast()
        }
    }
    func noteJournalEmpty() {
        locked {
            $0.journaled = 0
            condition.broadcast()
        }
    }
    func noteDatabaseDown() { locked { $0.databaseDown = true } }
    func requeue(_ batch: [LogEntry]) {
        locked {
            $0.queue.insert(contentsOf: batch, at: 0)
            $0.taken -= UInt64(batch.count)
        }
    }
}
