import Foundation
import Registry
import Storage
import Synchronization
import TestSupport
import Testing

/// scripts/cluster.sh as a user runs it: a throwaway Postgres, three replicas and HAProxy,
/// driven through the balancer (by wrk, and by clients that keep every answer's id) while
/// the production pointer and a split move.
@Suite("A cluster on one machine: replicas behind HAProxy on one Postgres")
struct ClusterTests {
    static let token = "cluster-test-token-0123456789"
    static let row =
        #"{"model": "click", "features": {"apr": 14.5, "requested": 12000, "annual_income": 62000, "loan_purpose": "car", "credit": "good", "lender_id": 3}}"#

    /// Polls (up to a second) until `check` holds; the time it took, or nil if it never did.
    static func within(_ seconds: Double = 1, _ check: () throws -> Bool) rethrows -> Double? {
        let start = Date()
        while Date().timeIntervalSince(start) < seconds {
            if try check() { return Date().timeIntervalSince(start) }
        }
        return nil
    }

    @Test(
        "200 assignments and a split reach every replica within a second under load; a replica stopped mid-load loses nothing; a late one catches up; request_log holds exactly the answered requests"
    )
    func cluster() throws {
        let state = temporaryPath()
        let environment = ProcessInfo.processInfo.environment.merging([
            "MODELSERVE_ADMIN_TOKEN": Self.token, "MODELSERVE_BIN": ModelServeBinary.url.path,
            "MODELSERVE_CLUSTER_DIR": state,
        ]) { $1 }
        let repository = PlaybookTests.repository.path
        let up = try runBash(["scripts/cluster.sh", "up"], environment: environment, directory: repository)
        defer { _ = try? runBash(["scripts/cluster.sh", "down"], environment: environment, directory: repository) }
        try #require(up.status == 0, "\(up.output)")
        let balancer = try #require(
            up.output.firstMatch(of: /balancer http:\/\/127\.0\.0\.1:(\d+)/).flatMap { Int($0.1) })
        let replicas = up.output.matches(of: /replica http:\/\/127\.0\.0\.1:(\d+)/).compactMap { Int($0.1) }
        try #require(replicas.count == 3, "\(up.output)")
        let url = try String(contentsOfFile: "\(state)/database-url", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let database = try openDatabase(url)
        defer { database.close() }
        let registry = ModelRegistry(database)
        let versions = try registry.list(name: "click").map(\.id).sorted()
        try #require(versions.count == 2)
        let admin = ["Authorization": "Bearer \(Self.token)"]

        // Load through the balancer for the whole test: every answer's id, every failure.
        let answered = Mutex<[String]>([])
        let refused = Mutex<[String]>([])
        let load = ClientLoad(clients: 4, port: balancer) { client in
            let answer = try client.request("POST", "/predict", body: Self.row)
            if answer.status == 200, let id = answer.headers["x-request-id"] {
                answered.withLock { $0.append(id) }
            } else {
                refused.withLock { $0.append("\(answer.status) \(answer.body.prefix(120))") }
            }
            return true
        }
        var loadStopped = false
        defer { if !loadStopped { load.stop() } }
        let count = { answered.withLock { $0.count } }
        // And wrk through the balancer over the assignments, with a row of its own (lender 4)
        // so that its rows in the log can be told from the clients'.
        let lua = "\(state)/wrk.lua"
        let wrkRow = Self.row.replacingOccurrences(of: #""lender_id": 3"#, with: #""lender_id": 4"#)
        try [
            #"wrk.method = "POST""#, "wrk.body = '\(wrkRow)'", #"wrk.headers["Content-Type"] = "application/json""#,
        ].joined(separator: "\n").write(toFile: lua, atomically: true, encoding: .utf8)
        let wrk = Process()
        wrk.executableURL = URL(fileURLWithPath: "/usr/bin/wrk")
        wrk.arguments = ["-t1", "-c8", "-d8s", "-s", lua, "http://127.0.0.1:\(balancer)/predict"]
        let wrkOutput = Pipe()
        wrk.standardOutput = wrkOutput
        wrk.standardError = wrkOutput
        try wrk.run()

        // 200 assignments through the balancer; each replica, asked on its own port, answers
        // with the new version within a second.
        let control = try TestClient(port: balancer)
        let probes = try replicas.map { try TestClient(port: $0) }
        func current(_ client: TestClient) throws -> Int64? {
            (try client.request("GET", "/models/current?name=click").json["id"] as? Int).map(Int64.init)
        }
        var slowest = 0.0
        for i in 0..<200 {
            let target = versions[i % 2]
            let assigned = try control.request(
                "POST", "/models/assign", body: #"{"model_id": \#(target)}"#, headers: admin)
            #expect(assigned.status == 200, "\(assigned.body)")
            for (probe, port) in zip(probes, replicas) {
                let lag = try Self.within { try current(probe) == target }
                #expect(lag != nil, "assignment \(i): replica on \(port) still serves another version after 1 s")
                slowest = max(slowest, lag ?? 1)
            }
        }
        // A traffic split, the same way.
        let split = #"{"name": "click", "split": {"\#(versions[0])": 0.5, "\#(versions[1])": 0.5}}"#
        #expect(try control.request("POST", "/models/traffic", body: split, headers: admin).status == 200)
        for (probe, port) in zip(probes, replicas) {
            let lag = try Self.within {
                try probe.request("GET", "/models/traffic", headers: admin).body.contains("\"\(versions[1])\":0.5")
            }
            #expect(lag != nil, "replica on \(port) does not show the split after 1 s")
        }

        // SIGTERM to one replica mid-load: it drains, HAProxy sends the rest elsewhere.
        let stoppedPID = try #require(
            Int32(
                try String(contentsOfFile: "\(state)/replica-1.pid", encoding: .utf8).trimmingCharacters(
                    in: .whitespacesAndNewlines)))
        let before = count()
        kill(stoppedPID, SIGTERM)
        #expect(Self.within(40) { kill(stoppedPID, 0) != 0 } != nil, "the stopped replica exits")
        #expect(Self.within(30) { count() > before + 500 } != nil, "the load goes on through the other two")

        // A replica started late serves the current state at once and follows the next change.
        let late = try ServeProcess(
            arguments: ["--model", "click", "--journal", "\(state)/late.journal"],
            environment: ["DATABASE_URL": url, "MODELSERVE_ADMIN_TOKEN": Self.token])
        defer { _ = late.terminate() }
        let lateProbe = try TestClient(port: late.port)
        #expect(try lateProbe.request("GET", "/models/traffic", headers: admin).body.contains("\"\(versions[1])\":0.5"))
        #expect(
            try control.request("POST", "/models/assign", body: #"{"model_id": \#(versions[0])}"#, headers: admin)
                .status == 200)
        #expect(try Self.within { try current(lateProbe) == versions[0] } != nil, "the late replica follows")

        let wrkPrinted = String(decoding: wrkOutput.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        wrk.waitUntilExit()
        #expect(wrk.terminationStatus == 0, "\(wrkPrinted)")
        #expect(!wrkPrinted.contains("Non-2xx") && !wrkPrinted.contains("Socket errors"), "\(wrkPrinted)")
        let wrkAnswered = try #require(wrkPrinted.firstMatch(of: /(\d+) requests in/).flatMap { Int($0.1) })
        load.stop()
        loadStopped = true
        #expect(load.failures.all.isEmpty, "\(load.failures.all.prefix(3))")
        #expect(refused.withLock { $0 }.isEmpty, "non-2xx through the balancer: \(refused.withLock { $0.prefix(5) })")
        let ids = Set(answered.withLock { $0 })
        #expect(ids.count == count(), "request ids are unique across replicas")
        // Every answered request is in request_log, once, and nothing else is.
        func logged(lender: Int) throws -> [String] {
            try database.query(
                "SELECT request_id FROM request_log WHERE path = '/predict' AND request_body LIKE ?",
                [.text("%\"lender_id\": \(lender)}}")]
            ).compactMap { $0[0].string }
        }
        _ = try Self.within(10) { try logged(lender: 3).count >= ids.count }
        let rows = try logged(lender: 3)
        #expect(rows.count == ids.count && Set(rows) == ids, "\(rows.count) rows for \(ids.count) answers")
        // wrk counts the answers it read; the ones in flight when it stopped (at most one
        // per connection) were answered and logged too.
        let wrkRows = try logged(lender: 4).count
        #expect(wrkRows >= wrkAnswered && wrkRows <= wrkAnswered + 8, "\(wrkRows) rows for wrk's \(wrkAnswered)")
        print(
            "cluster: \(ids.count) + \(wrkAnswered) (wrk) answers through the balancer, slowest follow "
                + "\(String(format: "%.0f", slowest * 1000)) ms"
        )
    }
}
