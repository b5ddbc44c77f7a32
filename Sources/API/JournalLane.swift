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
/// Thread safety: all state is read and written under `lock` (hence `@unchecked
/// Sendable`): the loop thread and the workers answering slow requests append, the loop
/// commits, the writer thread recycles.
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

    /// A rotation once the active file is this large (and the other one is emptied).
    static let rotateBytes = 4 << 20

    init(paths: [String], sync: Bool) throws {
        self.paths = paths
        self.sync = sync
        descriptors = []
        for path in paths {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o600)
            guard fd >= 0 else {
                let message = String(cString: strerror(errno))
                for opened in descriptors { close(opened) }
                throw JournalError("cannot open the request log journal \(path): \(message)")
            }
            descriptors.append(fd)
        }
    }

    deinit {
        for fd in descriptors { close(fd) }
    }

    /// Buffers an entry; it reaches the file at the next `commit`.
    func add(_ entry: LogEntry, sequence: UInt64) {
        lock.lock()
        LogRecord.append(entry, to: &pending)
        pendingMaxSequence = max(pendingMaxSequence, sequence)
        lock.unlock()
    }

    /// Writes what was buffered in one `write` (and syncs it, for machine durability).
    /// Returns an error message the first time writing fails.
    func commit() -> String? {
        lock.lock()
        defer { lock.unlock() }
        guard !pending.isEmpty else { return nil }
        let fd = descriptors[active]
        var offset = 0
        var problem: String?
        while offset < pending.count {
            let n = pending.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                problem = String(cString: strerror(errno))
                break
            }
            offset += n
        }
        if sync { fdatasync(fd) }
        sizes[active] += offset
        maxSequence[active] = max(maxSequence[active], pendingMaxSequence)
        pending.removeAll(keeping: 1 << 20)
        guard let problem, !failed else { return nil }
        failed = true
        return "request log: cannot write the journal \(paths[active]) (\(problem)); answers are no longer crash-safe"
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
