import Foundation
import HTTPServer
import Storage
import Synchronization
import TestSupport
import Testing

@testable import API

/// The promise of the request log: a request that got an answer is in `request_log`,
/// whatever its bytes, through a database outage, and through a crash of the process.
@Suite("Request log durability", .serialized)
struct RequestLogDurabilityTests {
    static let row = "{\"features\": {\"network_ability\": 0.5, \"competence\": -0.2}}"

    /// What another session runs, inside its transaction, to hold the log writer up: on
    /// Postgres its COPY waits on the lock; on SQLite its write waits in the busy handler.
    static func holdWriter(_ backend: Backend) -> String {
        backend == .postgres ? "LOCK TABLE request_log IN ACCESS EXCLUSIVE MODE" : "DELETE FROM request_log WHERE id < 0"
    }

    @Test(
        "bodies with NUL bytes or invalid UTF-8 are stored byte for byte, and the batch around them too",
        arguments: Backend.allCases)
    func binaryBodies(backend: Backend) throws {
        let (url, cleanup) = try TestDatabase.makeURL(backend)
        defer { cleanup() }
        let server = try APITestServer(url: url)
        let client = try TestClient(port: server.port)
        let bodies: [[UInt8]] = [
            Array(Self.row.utf8) + [0],
            [0x7B, 0xFF, 0xFE, 0x7D],  // invalid UTF-8
            Array("{\"features\": \"caf\u{E9} \u{1F600}\"}".utf8),  // valid, not ASCII: stored as text
        ]
        var ids: [String] = []
        for (i, body) in bodies.enumerated() {
            for _ in 0..<3 {
                try client.send(
                    Array("POST /predict HTTP/1.1\r\nHost: t\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body)
                let response = try client.readResponse()
                #expect(response.status >= 400 && response.status < 500, "body \(i): \(response.status)")
                ids.append(response.headers["x-request-id"] ?? "")
                // Good requests in the same batches.
                ids.append(try client.request("POST", "/predict", body: Self.row).headers["x-request-id"] ?? "")
            }
        }
        server.stop()
        #expect(server.log.rowsRejected == 0)
        let database = try openDatabase(url, maxConnections: 1)
        defer { database.close() }
        let rows = try database.query(
            "SELECT request_id, request_body, request_body_encoding FROM request_log ORDER BY id")
        let byID = Dictionary(uniqueKeysWithValues: rows.map { ($0[0].string ?? "", $0) })
        #expect(Set(ids).isSubset(of: Set(byID.keys)), "missing rows")
        for (i, body) in bodies.enumerated() {
            for k in 0..<3 {
                guard let row = byID[ids[i * 6 + k * 2]] else {
                    Issue.record("body \(i) not logged")
                    continue
                }
                let stored: [UInt8]
                if row[2].string == "base64" {
                    stored = [UInt8](Data(base64Encoded: row[1].string ?? "") ?? Data())
                } else {
                    #expect(row[2].isNull)
                    stored = Array((row[1].string ?? "").utf8)
                }
                #expect(stored == body, "body \(i) stored as \(row[1]) \(row[2])")
                #expect((row[2].string == "base64") == (i < 2))
            }
        }
    }

    @Test(
        "kill -9 under load loses no answered request: the next start replays the journal lanes",
        arguments: Backend.allCases)
    func crash(backend: Backend) throws {
        let (url, cleanup) = try TestDatabase.makeURL(backend)
        defer { cleanup() }
        let folder = temporaryPath()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let env = ["DATABASE_URL": url, "MODELSERVE_ADMIN_TOKEN": "durability-test-token"]
        let failures = try ModelServeBinary.preparePromotionModel(folder: folder, environment: env)
        #expect(failures.isEmpty, "\(failures)")
        let journal = "\(folder)/journal"
        let serve = try ServeProcess(arguments: ["--threads", "2", "--journal", journal], environment: env)
        // Four clients keep predicting; the process is killed while they do.
        let answered = Mutex<[String]>([])
        // Requests fail once the process is killed: that ends the clients, by design.
        let load = ClientLoad(clients: 4, port: serve.port) { client in
            let response = try client.request("POST", "/predict", body: Self.row)
            if response.status == 200, let id = response.headers["x-request-id"] {
                answered.withLock { $0.append(id) }
            }
            return true
        }
        let deadline = Date().addingTimeInterval(60)
        while answered.withLock({ $0.count }) < 3_000 && load.failures.all.isEmpty && Date() < deadline {
            usleep(1_000)
        }
        #expect(load.failures.all.isEmpty, "clients failed before the crash: \(load.failures.all.prefix(2))")
        serve.crash()
        load.stop()
        let ids = answered.withLock { $0 }
        #expect(ids.count >= 3_000)

        let restarted = try ServeProcess(arguments: ["--threads", "2", "--journal", journal], environment: env)
        let (status, text) = restarted.terminate()
        #expect(status == 0, "\(text)")
        let database = try openDatabase(url, maxConnections: 1)
        defer { database.close() }
        let stored = Set(try database.query("SELECT request_id FROM request_log").compactMap { $0[0].string })
        let lost = ids.filter { !stored.contains($0) }
        #expect(lost.count == 0, "\(lost.count) of \(ids.count) answered requests missing after kill -9")
        let count = try database.query("SELECT count(*), count(DISTINCT request_id) FROM request_log")[0]
        #expect(count[0].int64 == count[1].int64, "duplicate rows after replay")
        let left = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix("journal.wal") }
        #expect(left.isEmpty, "journal lanes left behind: \(left)")
    }

    @Test("Postgres stopped for 5 s under load, then back: no request takes over a second, no row is lost")
    func outageUnderLoad() throws {
        let postgres = try TemporaryPostgres()
        defer { postgres.destroy() }
        let server = try APITestServer(url: postgres.url)
        let before = try server.requestLogCount()
        let answered = Mutex<[String]>([])
        let slowest = Mutex<Double>(0)
        let load = ClientLoad(clients: 4, port: server.port) { client in
            let started = Monotonic.seconds()
            let response = try client.request("POST", "/predict", body: Self.row)
            slowest.withLock { $0 = max($0, Monotonic.seconds() - started) }
            guard response.status == 200 else { throw TestSetupError("status \(response.status)") }
            answered.withLock { $0.append(response.headers["x-request-id"] ?? "") }
            return true
        }
        let failures = load.failures
        func waitForAnswers(_ more: Int) {
            let target = answered.withLock { $0.count } + more
            while answered.withLock({ $0.count }) < target && failures.all.isEmpty { usleep(1_000) }
        }
        waitForAnswers(2_000)
        try postgres.stop()
        let stoppedAt = Date()
        // The outage lasts five seconds of live traffic: what the scenario is, not a wait for a race.
        while Date().timeIntervalSince(stoppedAt) < 5 && failures.all.isEmpty { usleep(10_000) }
        let journaled = server.log.rowsJournaled
        try postgres.start()
        // Until the journal is replayed, and some more.
        let deadline = Date().addingTimeInterval(60)
        while server.log.rowsJournaled > 0 && Date() < deadline && failures.all.isEmpty { usleep(10_000) }
        waitForAnswers(2_000)
        load.stop()
        #expect(failures.all.isEmpty, "\(failures.all.prefix(3))")
        #expect(journaled > 1_000, "the outage journaled only \(journaled) rows")
        #expect(server.log.rowsJournaled == 0, "the journal was not replayed under load")
        #expect(slowest.withLock { $0 } < 1.0, "slowest request took \(slowest.withLock { $0 }) s")
        server.stop()
        let database = try openDatabase(postgres.url, maxConnections: 1)
        defer { database.close() }
        let ids = answered.withLock { $0 }
        let stored = Set(try database.query("SELECT request_id FROM request_log").compactMap { $0[0].string })
        #expect(stored.count == before + ids.count)
        #expect(stored.isSuperset(of: ids))
    }

    /// A writer held up inside the database (a lock another session holds on the table)
    /// must not hold up serving: with a queue of 50 (so 1,000 may overflow), the loops go on
    /// answering hundreds of requests, their entries overflowing to the journal lanes' overflow files, and once
    /// the lock goes every answered request is stored, once.
    @Test(
        "a writer held up by a lock: answering goes on past a full queue, and every answer is stored once after",
        arguments: Backend.allCases)
    func heldUpWriter(backend: Backend) throws {
        let (url, cleanup) = try TestDatabase.makeURL(backend)
        defer { cleanup() }
        let server = try APITestServer(url: url, logCapacity: 50)
        let before = try server.requestLogCount()
        let blocker = try openDatabase(url, maxConnections: 1)
        defer { blocker.close() }
        let answered = Mutex<[String]>([])
        let held = Mutex<Int>(0)
        try blocker.transaction { connection in
            _ = try connection.execute(Self.holdWriter(backend), [])
            let load = ClientLoad(clients: 4, port: server.port) { client in
                let response = try client.request("POST", "/predict", body: Self.row)
                guard response.status == 200 else { throw TestSetupError("status \(response.status)") }
                answered.withLock { $0.append(response.headers["x-request-id"] ?? "") }
                return true
            }
            // Answers while the lock is held: a loop waiting on the full queue stops them at ~50.
            let deadline = Date().addingTimeInterval(60)
            while answered.withLock({ $0.count }) < 600 && load.failures.all.isEmpty && Date() < deadline {
                usleep(1_000)
            }
            load.stop()
            held.withLock { $0 = answered.withLock { $0.count } }
            #expect(load.failures.all.isEmpty, "\(load.failures.all.prefix(2))")
        }
        #expect(held.withLock { $0 } >= 600, "only \(held.withLock { $0 }) answers while the writer was held up")
        #expect(server.log.rowsOverflowed > 0, "nothing overflowed: the queue never filled")
        #expect(server.log.waitUntilStored(timeout: 60), "the overflow did not reach the database")
        server.stop()
        let database = try openDatabase(url, maxConnections: 1)
        defer { database.close() }
        let ids = answered.withLock { $0 }
        let stored = try database.query("SELECT request_id FROM request_log").compactMap { $0[0].string }
        #expect(stored.count == before + ids.count, "\(stored.count - before) rows for \(ids.count) answers")
        #expect(Set(stored).isSuperset(of: ids))
        let left = try FileManager.default.contentsOfDirectory(
            atPath: (server.journal as NSString).deletingLastPathComponent
        ).filter { $0.hasPrefix((server.journal as NSString).lastPathComponent + ".wal") }
        #expect(left.isEmpty, "journal files left behind: \(left)")
    }

    /// What a crash leaves in an overflow file is recovered at the next start: the journal
    /// files are copied while the writer is held up (the state a kill -9 would leave), the
    /// rows are deleted once stored, and a log started on the copy stores every entry the
    /// copied overflow file held.
    @Test("overflow files a crash leaves behind are recovered at the next start", arguments: Backend.allCases)
    func overflowRecovered(backend: Backend) throws {
        let (url, cleanup) = try TestDatabase.makeURL(backend)
        defer { cleanup() }
        let server = try APITestServer(url: url, logCapacity: 20)
        let copy = temporaryPath()
        let folder = (server.journal as NSString).deletingLastPathComponent
        let prefix = (server.journal as NSString).lastPathComponent + ".wal-"
        let blocker = try openDatabase(url, maxConnections: 1)
        defer { blocker.close() }
        try blocker.transaction { connection in
            _ = try connection.execute(Self.holdWriter(backend), [])
            let client = try TestClient(port: server.port)
            // One client: every answer read means its entry was committed to the journal.
            for _ in 0..<300 {
                #expect(try client.request("POST", "/predict", body: Self.row).status == 200)
            }
            for name in try FileManager.default.contentsOfDirectory(atPath: folder) where name.hasPrefix(prefix) {
                try FileManager.default.copyItem(
                    atPath: "\(folder)/\(name)", toPath: copy + ".wal-" + name.dropFirst(prefix.count))
            }
        }
        #expect(server.log.waitUntilStored(timeout: 60))
        server.stop()
        // The client's connection is on one of the two loops: its lane holds the overflow.
        let expected = try (0..<2).flatMap { lane in
            try LogRecord.decode([UInt8](Data(contentsOf: URL(fileURLWithPath: copy + ".wal-\(lane)-overflow"))))
                .entries.map(\.requestID)
        }
        #expect(expected.count > 100, "only \(expected.count) entries in the overflow file")

        let database = try openDatabase(url, maxConnections: 2)
        defer { database.close() }
        _ = try database.execute("DELETE FROM request_log")
        let recovering = RequestLog(database: database, journalPath: copy)
        try recovering.start()
        let deadline = Date().addingTimeInterval(60)
        while recovering.rowsJournaled > 0 && Date() < deadline { usleep(10_000) }
        recovering.shutdown()
        let stored = Set(try database.query("SELECT request_id FROM request_log").compactMap { $0[0].string })
        #expect(stored.isSuperset(of: expected), "\(expected.filter { !stored.contains($0) }.count) overflow entries lost")
        for name in try FileManager.default.contentsOfDirectory(atPath: (copy as NSString).deletingLastPathComponent)
        where name.hasPrefix((copy as NSString).lastPathComponent) {
            try? FileManager.default.removeItem(atPath: ((copy as NSString).deletingLastPathComponent) + "/" + name)
        }
    }
}
