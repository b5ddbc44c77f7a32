import Foundation
import Storage
import TestSupport
import Testing

@Suite("modelserve serve", .serialized)
struct ServeCommandTests {
    @Test("serve answers, and SIGTERM drains, flushes the log and exits 0", arguments: Backend.allCases)
    func serveAndTerminate(backend: Backend) throws {
        let (url, cleanup) = try TestDatabase.makeURL(backend)
        defer { cleanup() }
        // A model to serve, trained through the CLI.
        let folder = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let env = ["DATABASE_URL": url, "MODELSERVE_ADMIN_TOKEN": "serve-test-token-0123"]
        let failures = try ModelServeBinary.preparePromotionModel(folder: folder, environment: env)
        #expect(failures.isEmpty, "\(failures)")

        let serve = try ServeProcess(arguments: ["--threads", "2", "--journal", "\(folder)/journal"], environment: env)
        let port = serve.port
        let client = try TestClient(port: port)
        let n = 40
        for _ in 0..<n {
            let response = try client.request(
                "POST", "/predict", body: "{\"features\": {\"network_ability\": 1, \"competence\": 0}}")
            #expect(response.status == 200)
        }
        let (status, text) = serve.terminate()  // SIGTERM
        #expect(status == 0, "\(text)")
        #expect(text.contains("stopped: \(n) request log rows written"), "\(text)")
        let database = try openDatabase(url, maxConnections: 1)
        defer { database.close() }
        #expect(try database.query("SELECT count(*) FROM request_log")[0][0] == .integer(Int64(n)))
    }

    @Test(
        "without --journal, the journal sits beside the SQLite file, or is named by host and process for Postgres",
        arguments: Backend.allCases)
    func defaultJournal(backend: Backend) throws {
        let folder = temporaryPath()
        let workdir = folder + "/work"
        try FileManager.default.createDirectory(atPath: workdir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (url, cleanup) =
            backend == .sqlite ? ("sqlite:\(folder)/registry.sqlite", {}) : try TestDatabase.makeURL(backend)
        defer { cleanup() }
        let env = ["DATABASE_URL": url, "MODELSERVE_ADMIN_TOKEN": "serve-test-token-0123"]
        let failures = try ModelServeBinary.preparePromotionModel(folder: folder, environment: env)
        #expect(failures.isEmpty, "\(failures)")
        let serve = try ServeProcess(arguments: ["--threads", "1"], environment: env, directory: workdir)
        let expected =
            backend == .sqlite
            ? "\(folder)/registry.sqlite.request-log.journal.lock"
            : "\(workdir)/modelserve-request-log-\(ProcessInfo.processInfo.hostName)-pid\(serve.pid).journal.lock"
        let listing = (try? FileManager.default.contentsOfDirectory(atPath: workdir)) ?? []
        #expect(FileManager.default.fileExists(atPath: expected), "\(listing)")
        let (status, text) = serve.terminate()
        #expect(status == 0, "\(text)")
        if backend == .sqlite {
            #expect(try FileManager.default.contentsOfDirectory(atPath: workdir).isEmpty)
        }
    }

    @Test("SIGTERM right after the first answer, before serve says it is up, stops it with exit 0 and the log flushed")
    func earlySignal() throws {
        let (url, cleanup) = try TestDatabase.makeURL(.sqlite)
        defer { cleanup() }
        let folder = temporaryPath()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let env = ["DATABASE_URL": url, "MODELSERVE_ADMIN_TOKEN": "serve-test-token-0123"]
        let failures = try ModelServeBinary.preparePromotionModel(folder: folder, environment: env)
        #expect(failures.isEmpty, "\(failures)")
        let body = "{\"features\": {\"network_ability\": 1, \"competence\": 0}}"
        var expected = 0
        for round in 0..<10 {
            let port = try freeLocalPort()
            let process = Process()
            process.executableURL = ModelServeBinary.url
            process.arguments = ["serve", "--port", String(port), "--journal", "\(folder)/journal"]
            process.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // The first 200, as early as the server can give it (not waiting for its banner).
            var answered = false
            let deadline = Date().addingTimeInterval(20)
            while !answered && Date() < deadline && process.isRunning {
                if let client = try? TestClient(port: port, timeout: 2),
                    let response = try? client.request("POST", "/predict", body: body)
                {
                    answered = response.status == 200
                }
            }
            kill(process.processIdentifier, SIGTERM)
            #expect(answered, "round \(round): no 200")
            if answered { expected += 1 }
            let stop = Date().addingTimeInterval(20)
            while process.isRunning && Date() < stop { usleep(5_000) }
            #expect(!process.isRunning, "round \(round): serve hung after SIGTERM")
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                continue
            }
            #expect(process.terminationReason == .exit && process.terminationStatus == 0, "round \(round)")
        }
        let database = try openDatabase(url, maxConnections: 1)
        defer { database.close() }
        #expect(
            try database.query("SELECT count(*) FROM request_log WHERE path = '/predict'")[0][0].int64
                == Int64(expected))
    }
}
