import CSQLite
import Foundation

/// Copies a SQLite database's write-ahead log back into the database file on a thread of
/// its own, instead of in the connection that committed.
///
/// SQLite's automatic checkpoint runs inside the commit that passes 1,000 WAL pages, fsyncs
/// included: the request log's writer then stalled for tens to hundreds of milliseconds at a
/// time, its queue filled and the event loops waited (measured: p99 9–115 ms and stalls to
/// 238 ms at saturation with it, 6–7 ms and 19–46 ms with it out of the writer). Here the
/// commit only asks; this thread checkpoints (PASSIVE: it never blocks writers or readers).
/// Should the log still grow past `hardLimit` pages (a writer that never pauses, so the log
/// never restarts), the committing connection checkpoints itself, as SQLite would have.
final class SQLiteCheckpointer: @unchecked Sendable {
    /// WAL pages after which a checkpoint is asked for (SQLite's own default) ...
    static let softLimit: Int32 = 1_000
    /// ... and after which the committer does it itself (~64 MB at 4 KB pages).
    static let hardLimit: Int32 = 16_000

    private let path: String
    private let condition = NSCondition()
    private var requested = false
    private var stopping = false
    private var running = false
    /// A checkpoint is under way on the thread.
    private var busy = false
    private let finished = DispatchSemaphore(value: 0)
    /// Checkpoints done here (read with `checkpoints`, under the lock).
    private var completed = 0

    init(path: String) {
        self.path = path
    }

    /// Installs the commit hook on `handle` (a connection of this database): it replaces
    /// SQLite's automatic checkpoint. The connection must not outlive this object.
    func attach(to handle: OpaquePointer) {
        sqlite3_wal_hook(
            handle,
            { context, db, name, pages in
                guard let context else { return SQLITE_OK }
                let checkpointer = Unmanaged<SQLiteCheckpointer>.fromOpaque(context).takeUnretainedValue()
                if pages >= SQLiteCheckpointer.hardLimit {
                    sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
                } else if pages >= SQLiteCheckpointer.softLimit {
                    checkpointer.request()
                }
                return SQLITE_OK
            }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Asks for a checkpoint soon; starts the thread the first time.
    func request() {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping, !requested else { return }
        requested = true
        if !running {
            running = true
            let thread = Thread { [self] in
                run()
                finished.signal()
            }
            thread.name = "sqlite-checkpoint"
            thread.start()
        }
        condition.broadcast()
    }

    private func run() {
        // Its own connection, opened when first needed: checkpointing needs no transaction
        // and takes no lock a writer waits on.
        var connection: SQLiteConnection?
        while true {
            condition.lock()
            while !requested && !stopping { condition.wait() }
            let stop = stopping
            requested = false
            busy = !stop
            condition.unlock()
            if stop { return }
            var done = false
            do {
                if connection == nil { connection = try SQLiteConnection(path: path) }
                try connection?.executeScript("PRAGMA wal_checkpoint(PASSIVE);")
                done = true
            } catch {
                // The next commit asks again; the committer's own checkpoint bounds the log.
                connection = nil
            }
            condition.lock()
            busy = false
            if done { completed += 1 }
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Stops the thread (a last checkpoint happens when the database's last connection closes).
    func stop() {
        condition.lock()
        let wasRunning = running && !stopping
        stopping = true
        condition.broadcast()
        condition.unlock()
        if wasRunning { finished.wait() }
    }

    /// Waits until no checkpoint is asked for or under way (tests).
    func waitUntilIdle() {
        condition.lock()
        while (requested || busy) && !stopping { condition.wait() }
        condition.unlock()
    }

    var checkpoints: Int {
        condition.lock()
        defer { condition.unlock() }
        return completed
    }
}
