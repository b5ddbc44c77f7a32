import Foundation
import Registry
import Storage

/// The spill journal: where batches go while the database is away, replayed in slices once
/// it is back; and recovery of the lanes a crashed process left behind.
extension RequestLog {
    /// Appends a batch to the spill journal and syncs it; false (and the batch back in the
    /// queue) if the file cannot be written.
    func spill(_ batch: [LogEntry]) -> Bool {
        var bytes = ByteBuffer(capacity: 64 * 1024)
        for entry in batch { LogRecord.append(entry, to: &bytes) }
        guard bytes.withUnsafeBytes({ appendSynced($0, to: journalPath) }) else {
            onError("request log: cannot write the journal \(journalPath); keeping \(batch.count) rows in memory")
            requeue(batch)
            return false
        }
        noteJournaled(batch.count)
        return true
    }

    /// An overflow file taken from a lane: where its next slice starts, and how many of its
    /// entries are not stored yet.
    struct OverflowFile {
        let path: String
        var offset: Int
        var remaining: Int
    }

    /// Stores the next slice of each lane's overflow file (taking a new file when the last
    /// is done) through the live path: its entries were never queued, so none is in the
    /// table already (a crash mid-way leaves the file to the lanes' recovery, whose replay
    /// checks). While the database is away, and at a stop (`finishing`) if it goes away, the
    /// rest of the file joins the spill journal instead. Writer thread only.
    func drainOverflow(finishing: Bool) {
        for (index, lane) in lanes.enumerated() {
            repeat {
                if draining[index] == nil, let taken = lane.takeOverflow() {
                    draining[index] = OverflowFile(path: taken.path, offset: 0, remaining: taken.count)
                    onError(
                        "request log: the writer was held up by the database; \(taken.count) answers went on with "
                            + "their entries in an overflow file, being stored now")
                }
                guard let file = draining[index] else { break }
                draining[index] = storeSlice(of: file)
            } while finishing && draining[index] != nil && !isDatabaseDown
            if finishing, let file = draining[index], spillRest(of: file) { draining[index] = nil }
        }
    }

    /// One slice (`maxBatch` entries) of an overflow file stored; what is left of it, or nil
    /// when it is all in (or spilled).
    private func storeSlice(of file: OverflowFile) -> OverflowFile? {
        var file = file
        guard !isDatabaseDown else { return spillRest(of: file) ? nil : file }
        do {
            // A megabyte holds a slice of ordinary entries (at least one record is read whole).
            let (bytes, atEnd) = try read(file.path, from: file.offset, max: 1 << 20)
            let (entries, used) = try LogRecord.decode(bytes, limit: overflowSlice)
            if !entries.isEmpty {
                guard store(entries) else { return spillRest(of: file) ? nil : file }
                file.offset += used
                file.remaining -= entries.count
                noteOverflowStored(entries.count)
            }
            guard entries.isEmpty || (atEnd && used == bytes.count) else { return file }
            try? FileManager.default.removeItem(atPath: file.path)
            if file.remaining > 0 { noteOverflowStored(file.remaining, written: false) }
            return nil
        } catch {
            onError("request log: \(file.path): \(error); set aside, \(file.remaining) entries not stored")
            try? FileManager.default.moveItem(atPath: file.path, toPath: file.path + ".malformed")
            noteOverflowStored(file.remaining, written: false)
            return nil
        }
    }

    /// Moves the unstored rest of an overflow file into the spill journal (synced); false if
    /// that fails (the caller keeps the file for a later round).
    private func spillRest(of file: OverflowFile) -> Bool {
        guard appendFile(file.path, from: file.offset, to: journalPath) else {
            if !overflowMoveFailing {
                onError("request log: cannot move \(file.path) into the journal \(journalPath); will retry")
            }
            overflowMoveFailing = true
            return false
        }
        overflowMoveFailing = false
        try? FileManager.default.removeItem(atPath: file.path)
        noteOverflowJournaled(file.remaining)
        return true
    }

    /// Appends a file's bytes from `offset` to another, a megabyte at a time, and syncs it.
    private func appendFile(_ source: String, from offset: Int, to path: String) -> Bool {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { return false }
        defer { close(input) }
        guard lseek(input, off_t(offset), SEEK_SET) == off_t(offset) else { return false }
        let output = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard output >= 0 else { return false }
        defer { close(output) }
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = Glibc.read(input, buffer, chunk)
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { return false }
            if n == 0 { break }
            var offset = 0
            while offset < n {
                let w = write(output, buffer + offset, n - offset)
                if w < 0 && errno == EINTR { continue }
                guard w > 0 else { return false }
                offset += w
            }
        }
        return fsync(output) == 0
    }

    /// Stores the next slice of the spill journal; removes the file once all of it is in.
    func replaySliceOfJournal() {
        do {
            let (bytes, atEnd) = try read(journalPath, from: replayOffset)
            let (entries, next) = try LogRecord.decode(bytes, limit: replaySlice)
            if !entries.isEmpty {
                countMinutes(of: try store.insertNew(entries))
                replayOffset += next
                noteReplayed(entries.count)
            }
            if atEnd && entries.count < replaySlice {
                // A cut-short record at the end (a crash mid-spill) is all that can remain.
                try? FileManager.default.removeItem(atPath: journalPath)
                replayOffset = 0
                noteJournalEmpty()
            }
        } catch let error as LogRecord.Malformed {
            onError("request log: \(journalPath): \(error); set the file aside to continue")
            try? FileManager.default.moveItem(atPath: journalPath, toPath: journalPath + ".malformed")
            replayOffset = 0
            noteJournalEmpty()
        } catch {
            noteDatabaseDown()
        }
    }

    /// Entries in the spill journal not yet replayed (at start: all of it). A journal in the
    /// JSON-lines form of earlier versions is converted first.
    func countJournal() throws -> Int {
        guard FileManager.default.fileExists(atPath: journalPath) else { return 0 }
        var bytes = try read(journalPath, from: 0, max: .max).bytes
        if bytes.first == UInt8(ascii: "{") {
            bytes = try convertLegacyJournal(bytes)
        }
        return try LogRecord.decode(bytes).entries.count
    }

    /// Moves what lanes of an earlier run hold into the spill journal (synced), then removes
    /// them; the writer replays it like any spill, skipping rows already stored.
    func recoverLanes() throws -> Int {
        let folder = (journalPath as NSString).deletingLastPathComponent
        let prefix = (journalPath as NSString).lastPathComponent + ".wal-"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)) ?? []
        var recovered = 0
        for name in names.sorted() where name.hasPrefix(prefix) {
            let path = folder.isEmpty ? name : folder + "/" + name
            let bytes = try read(path, from: 0, max: .max).bytes
            let (entries, used) = try LogRecord.decode(bytes)
            if used > 0 {
                guard bytes.withUnsafeBytes({ appendSynced(UnsafeRawBufferPointer(rebasing: $0[0..<used]), to: journalPath) })
                else {
                    throw JournalError("cannot write the request log journal \(journalPath)")
                }
            }
            recovered += entries.count
            try FileManager.default.removeItem(atPath: path)
        }
        return recovered
    }

    /// At a clean stop: the lanes' files, and overflow files left empty (one that still
    /// holds entries, which could not be moved, stays for the next start to recover).
    func removeLaneFiles() {
        for lane in 0..<max(1, laneFilesCount) {
            for file in 0..<2 { try? FileManager.default.removeItem(atPath: lanePath(lane, file)) }
            let overflow = overflowPath(lane)
            if let size = (try? FileManager.default.attributesOfItem(atPath: overflow))?[.size] as? Int, size == 0 {
                try? FileManager.default.removeItem(atPath: overflow)
            }
        }
    }

    private var laneFilesCount: Int {
        let prefix = (journalPath as NSString).lastPathComponent + ".wal-"
        let folder = (journalPath as NSString).deletingLastPathComponent
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)) ?? []
        return names.filter { $0.hasPrefix(prefix) }.count
    }

    // MARK: Files

    /// Up to `max` bytes of a file from `offset` (at least one whole record if one starts
    /// there), and whether they reach the end of the file.
    private func read(_ path: String, from offset: Int, max: Int = 4 << 20) throws -> (bytes: [UInt8], atEnd: Bool) {
        guard let handle = FileHandle(forReadingAtPath: path) else { return ([], true) }
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(offset))
        var bytes = [UInt8](try handle.read(upToCount: max) ?? Data())
        if bytes.count >= 4 {
            let length = Int(bytes[0]) | Int(bytes[1]) << 8 | Int(bytes[2]) << 16 | Int(bytes[3]) << 24
            if length + 4 > bytes.count && bytes.count == max {
                bytes += [UInt8](try handle.read(upToCount: length + 4 - bytes.count) ?? Data())
            }
        }
        let size = try handle.seekToEnd()
        return (bytes, UInt64(offset + bytes.count) >= size)
    }

    private func appendSynced(_ bytes: UnsafeRawBufferPointer, to path: String) -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            offset += n
        }
        return fsync(fd) == 0
    }

    /// Rewrites a JSON-lines journal (earlier versions) in the record form.
    private func convertLegacyJournal(_ bytes: [UInt8]) throws -> [UInt8] {
        var records: [UInt8] = []
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                let id = object["request_id"] as? String, let received = object["received_at"] as? Double
            else { continue }
            let entry = LogEntry(
                requestID: id, receivedAt: Date(timeIntervalSinceReferenceDate: received),
                method: object["method"] as? String ?? "", path: object["path"] as? String ?? "",
                status: object["status"] as? Int ?? 0, latencyMicros: Int64(object["latency_us"] as? Int ?? 0),
                modelID: (object["model_id"] as? Int).map(Int64.init),
                requestBody: Array((object["request_body"] as? String ?? "").utf8),
                responseBody: Array((object["response_body"] as? String ?? "").utf8),
                clientAddress: object["client_address"] as? String ?? "", maxBody: .max)
            LogRecord.append(entry, to: &records)
        }
        let temporary = journalPath + ".converting"
        try Data(records).write(to: URL(fileURLWithPath: temporary), options: .atomic)
        _ = try FileManager.default.replaceItemAt(
            URL(fileURLWithPath: journalPath), withItemAt: URL(fileURLWithPath: temporary))
        return records
    }
}
