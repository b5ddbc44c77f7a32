import Foundation
import Registry
import Storage

/// How much of the request log survives a crash.
public enum LogDurability: String, Sendable, CaseIterable {
    /// Entries wait in memory until written: a process crash loses the queued ones.
    case none
    /// Each event loop writes the entries of the answers it is about to send to a journal
    /// file first (one `write` per loop iteration): a killed process loses nothing; a
    /// machine crash can lose what the kernel had not yet put on disk.
    case process
    /// As `process`, with `fdatasync` before the answers go out: survives a power loss.
    case machine
}

/// One event loop's write-ahead journal: the entries of answers not yet sent are buffered
/// here and written, all at once, before the loop writes the answers.
///
/// Two files take turns: the loop appends to the active one; the log writer empties the
/// other once every entry in it is in the database (or the spill journal), and swaps them
/// when the active one has grown. So the files stay small, and whatever is in a file not
/// yet emptied is replayed after a crash (duplicates are skipped by request id).
///
/// Entries the log's full queue counts as overflow go to a third file, the
/// overflow file, written at the same commit: the loop goes on answering instead of waiting
/// for a slow database, and the log writer, once free again, takes the file over
/// (`takeOverflow`) and stores it. A crash leaves the file to be recovered like the others.
///
/// Thread safety: all state is read and written under `lock` (hence `@unchecked
/// Sendable`): the loop thread and the workers answering slow requests append, the loop
/// commits, the writer thread recycles and takes the overflow.
final class JournalLane: @unchecked Sendable {
    private let lock = NSLock()
    private var pending = ByteBuffer(capacity: 16 * 1024)
    private var pendingMaxSequence: UInt64 = 0
    private var descriptors: [Int32]
    private var maxSequence: [UInt64] = [0, 0]
    private var sizes: [Int] = [0, 0]
    private var active = 0
    private let sync: Bool
    private var failed = false
    let paths: [String]
    /// Overflow entries buffered for the next commit, and how many.
    private var overflowPending = ByteBuffer(capacity: 16)
    private var overflowPendingCount = 0
    private var overflowFD: Int32 = -1
    /// Entries and bytes in the overflow file.
    private var overflowCount = 0
    private var overflowSize = 0
    let overflowPath: String

    /// A rotation once the active file is this large (and the other one is emptied).
    static let rotateBytes = 4 << 20

    init(paths: [String], overflowPath: String, sync: Bool) throws {
        self.paths = paths
        self.overflowPath = overflowPath
        self.sync = sync
        descriptors = []
        for path in paths + [overflowPath] {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o600)
            guard fd >= 0 else {
                let message = String(cString: strerror(errno))
                for opened in descriptors { close(opened) }
                throw JournalError("cannot open the request log journal \(path): \(message)")
            }
            descriptors.append(fd)
        }
        overflowFD = descriptors.removeLast()
    }

    deinit {
        for fd in descriptors { close(fd) }
        if overflowFD >= 0 { close(overflowFD) }
    }

    /// What the log's queue did with an entry offered without waiting: numbered it, counted
    /// it as overflow, or handed it back (full, and only waiting for room would do).
    enum Offer {
        case queued(sequence: UInt64)
        case overflowed
        case full(LogEntry)
    }

    /// Buffers an entry and offers it to the log's queue, in one lock round: it reaches the
    /// file at the next `commit`, or the overflow file if the queue counted it as overflow.
    /// The entry moves into the queue, not copied; a commit from another thread never
    /// writes a record whose number the file is not counted through. Returns the entry when
    /// the queue handed it back, unbuffered: the caller waits for room without this lock
    /// (the writer takes it to recycle) and then adds it with its number.
    func add(_ entry: consuming LogEntry, offer: (consuming LogEntry) -> Offer) -> LogEntry? {
        lock.lock()
        defer { lock.unlock() }
        let start = pending.count
        LogRecord.append(entry, to: &pending)
        switch offer(entry) {
        case .queued(let sequence):
            pendingMaxSequence = max(pendingMaxSequence, sequence)
        case .overflowed:
            pending.withUnsafeBytes { overflowPending.append(UnsafeRawBufferPointer(rebasing: $0[start...])) }
            pending.truncate(to: start)
            overflowPendingCount += 1
        case .full(let entry):
            pending.truncate(to: start)
            return entry
        }
        return nil
    }

    /// Buffers an entry already queued under `sequence`; it reaches the file at the next
    /// `commit`.
    func add(_ entry: LogEntry, sequence: UInt64) {
        lock.lock()
        LogRecord.append(entry, to: &pending)
        pendingMaxSequence = max(pendingMaxSequence, sequence)
        lock.unlock()
    }

    /// What a commit did: an error message the first time writing fails, and the overflow
    /// entries it could not write (which must then wait for room in the queue: they are
    /// nowhere else).
    struct Commit {
        var problem: String?
        var unwritten: [LogEntry] = []
    }

    /// Writes what was buffered in one `write` (and syncs it, for machine durability), and
    /// the overflow likewise.
    func commit() -> Commit {
        lock.lock()
        defer { lock.unlock() }
        var result = Commit()
        if !pending.isEmpty {
            let fd = descriptors[active]
            let (written, problem) = pending.withUnsafeBytes { Self.write($0, to: fd) }
            if sync { fdatasync(fd) }
            sizes[active] += written
            maxSequence[active] = max(maxSequence[active], pendingMaxSequence)
            pending.removeAll(keeping: 1 << 20)
            if let problem, !failed {
                failed = true
                result.problem =
                    "request log: cannot write the journal \(paths[active]) (\(problem)); answers are no longer crash-safe"
            }
        }
        if overflowPendingCount > 0 {
            let (written, problem) = overflowPending.withUnsafeBytes { Self.write($0, to: overflowFD) }
            if sync { fdatasync(overflowFD) }
            if problem == nil {
                overflowSize += written
                overflowCount += overflowPendingCount
            } else {
                // Cut back to whole records, and hand the entries back to be queued.
                ftruncate(overflowFD, off_t(overflowSize))
                result.unwritten =
                    (try? overflowPending.withUnsafeBytes { try LogRecord.decode(Array($0)).entries }) ?? []
                if result.problem == nil && !failed {
                    failed = true
                    result.problem =
                        "request log: cannot write the journal \(overflowPath) (\(problem!)); answers are no longer crash-safe"
                }
            }
            overflowPending.removeAll(keeping: 1 << 20)
            overflowPendingCount = 0
        }
        return result
    }

    /// Writes all of `bytes`; the count written and the error if it stopped short.
    private static func write(_ bytes: UnsafeRawBufferPointer, to fd: Int32) -> (Int, String?) {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return (offset, String(cString: strerror(errno)))
            }
            offset += n
        }
        return (offset, nil)
    }

    /// The overflow file's entries, handed over: the file is renamed to `.taken` (which the
    /// caller removes once its records are safe elsewhere) and a fresh one started. nil when
    /// there is nothing to take, or the file cannot be renamed or reopened (tried again later).
    func takeOverflow() -> (path: String, count: Int)? {
        lock.lock()
        defer { lock.unlock() }
        guard overflowCount > 0 else { return nil }
        let taken = overflowPath + ".taken"
        guard rename(overflowPath, taken) == 0 else { return nil }
        let fd = open(overflowPath, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            _ = rename(taken, overflowPath)
            return nil
        }
        close(overflowFD)
        overflowFD = fd
        defer {
            overflowCount = 0
            overflowSize = 0
        }
        return (taken, overflowCount)
    }

    /// Empties files whose entries are all durable elsewhere (sequence <= `durable`), and
    /// swaps files once the active one is large.
    func recycle(durableThrough durable: UInt64) {
        lock.lock()
        defer { lock.unlock() }
        let other = 1 - active
        if maxSequence[other] <= durable && maxSequence[active] <= durable {
            for i in 0..<2 where sizes[i] > 0 { empty(i) }
        } else if maxSequence[other] <= durable && sizes[active] >= Self.rotateBytes {
            if sizes[other] > 0 { empty(other) }
            active = other
        }
    }

    private func empty(_ i: Int) {
        ftruncate(descriptors[i], 0)
        sizes[i] = 0
        maxSequence[i] = 0
    }
}

/// The request log's journal cannot be used (in use by another process, or not writable).
public struct JournalError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
