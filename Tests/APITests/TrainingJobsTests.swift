import API
import Foundation
import Registry
import Storage
import TestSupport
import Testing

@Suite("Training as jobs: POST /models/train queues, modelserve worker trains")
struct TrainingJobsTests {
    static let admin = ["Authorization": "Bearer \(APITestServer.token)"]

    static func spec(_ name: String = "promotion", table: String = "promotion", C: Double) -> String {
        #"{"name": "\#(name)", "kind": "logistic", "query": "SELECT network_ability, competence, promoted FROM \#(table)", "target": "promoted", "hyperparameters": [{"C": \#(C)}], "promote_if_better": "log_loss"}"#
    }

    /// The server's API as a serving replica runs it by default: training queued, not inline.
    static func queueing(_ server: APITestServer) -> InProcessClient {
        InProcessClient(
            api: API(
                configuration: APIConfiguration(adminToken: APITestServer.token), database: server.database,
                store: server.store, log: server.log))
    }

    @Test(
        "a queued job trains in a worker, never in the replica; two workers never run one job twice; failures are recorded",
        arguments: Backend.allCases)
    func queueAndWorkers(_ backend: Backend) throws {
        let (url, cleanup) = try TestDatabase.makeURL(backend)
        defer { cleanup() }
        let server = try APITestServer(url: url)
        defer { server.stop() }
        let client = Self.queueing(server)
        let before = try server.registry.list(name: "promotion").count

        let queued = try client.request("POST", "/models/train", body: Self.spec(C: 0.3), headers: Self.admin)
        #expect(queued.status == 202, "\(queued.body)")
        #expect(
            queued.json["status"] as? String == "queued" && queued.json["promote_if_better"] as? String == "log_loss")
        let first = try #require(queued.json["id"] as? Int)
        #expect(try server.registry.list(name: "promotion").count == before, "the replica trained nothing")
        // A spec that cannot train is refused before it is queued.
        let bad = try client.request(
            "POST", "/models/train", body: #"{"name": "x", "kind": "tree"}"#, headers: Self.admin)
        #expect(bad.status == 422, "\(bad.body)")
        #expect(try client.request("POST", "/models/train", body: Self.spec(C: 1)).status == 401)
        // More work: three good jobs and one whose table does not exist.
        for C in [0.5, 2.0, 5.0] {
            #expect(
                try client.request("POST", "/models/train", body: Self.spec(C: C), headers: Self.admin).status == 202)
        }
        #expect(
            try client.request("POST", "/models/train", body: Self.spec(table: "nowhere", C: 1), headers: Self.admin)
                .status == 202)
        let listed = try client.request("GET", "/models/train/jobs", headers: Self.admin)
        #expect((try JSONSerialization.jsonObject(with: Data(listed.body.utf8)) as? [Any])?.count == 5)

        // Two workers at once drain the queue.
        let workers = try (0..<2).map { _ in
            try ModelServeBinary.Running(["worker", "--once"], environment: ["DATABASE_URL": url])
        }
        var printed = ""
        for worker in workers {
            #expect(worker.finish(signal: false) == 0, "\(worker.stderr)")
            printed += worker.stdout
        }
        let jobs = TrainingJobs(registry: server.registry)
        let all = try jobs.list()
        #expect(all.count == 5)
        #expect(all.filter { $0.status == .completed }.count == 4, "\(all.map { ($0.id, $0.status, $0.error) })")
        let failed = try #require(all.first { $0.status == .failed })
        #expect(failed.error?.contains("nowhere") == true, "\(failed.error ?? "")")
        // Each job once: one version per completed job, each job's versions its own.
        let versions = all.compactMap(\.result).flatMap(\.versionIDs)
        #expect(versions.count == 4 && Set(versions).count == 4)
        #expect(try server.registry.list(name: "promotion").count == before + 4)
        #expect(
            all.allSatisfy { $0.status == .queued || $0.worker != nil && $0.startedAt != nil && $0.finishedAt != nil })
        #expect(printed.components(separatedBy: "completed:").count - 1 == 4, "\(printed)")
        // The job reads back over HTTP with what it registered and the promotion verdict.
        let shown = try client.request("GET", "/models/train/jobs/\(first)", headers: Self.admin)
        let result = try #require(shown.json["result"] as? [String: Any], "\(shown.body)")
        #expect((result["version_ids"] as? [Int])?.count == 1)
        #expect((result["promotion"] as? String)?.contains("log_loss") == true)
        #expect(try client.request("GET", "/models/train/jobs/999", headers: Self.admin).status == 404)
        // --train-inline (the demo) still answers with the versions.
        let inline = try server.inProcess.request("POST", "/models/train", body: Self.spec(C: 7), headers: Self.admin)
        #expect(inline.status == 200 && inline.json["versions"] != nil, "\(inline.body)")
    }

    /// A spec whose query takes seconds on either database (the recursive count is only there
    /// to be slow), for a job that must outlive several leases.
    static let slowSpec =
        #"{"name": "promotion", "kind": "logistic", "query": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000000) SELECT network_ability, competence, promoted FROM promotion WHERE (SELECT count(*) FROM c) > 0", "target": "promoted", "hyperparameters": [{"C": 0.9}]}"#

    @Test(
        "a job whose worker died is failed once its lease runs out, by the next reader; a live worker renews its long job's lease",
        arguments: Backend.allCases)
    func leases(_ backend: Backend) throws {
        let (url, cleanup) = try TestDatabase.makeURL(backend)
        defer { cleanup() }
        let server = try APITestServer(url: url)
        defer { server.stop() }
        let client = Self.queueing(server)
        let jobs = TrainingJobs(registry: server.registry)
        func queue(_ spec: String) throws -> Int64 {
            let queued = try client.request("POST", "/models/train", body: spec, headers: Self.admin)
            try #require(queued.status == 202, "\(queued.body)")
            return Int64(try #require(queued.json["id"] as? Int))
        }

        // A worker that claims a job and dies leaves only its claim: the job is running until
        // the lease runs out, and failed, saying why, from then on.
        let abandoned = try queue(Self.spec(C: 0.5))
        let claimed = try #require(try jobs.claim(worker: "gone:1", lease: 30))
        #expect(claimed.id == abandoned && claimed.status == .running)
        let expires = try #require(claimed.leaseExpiresAt)
        #expect(abs(expires.timeIntervalSince(try #require(claimed.startedAt)) - 30) < 0.01)
        #expect(try jobs.expireAbandoned(now: expires.addingTimeInterval(-1)) == 0, "failed while its lease held")
        #expect(try jobs.job(id: abandoned).status == .running)
        #expect(try jobs.expireAbandoned(now: expires.addingTimeInterval(0.01)) == 1)
        let failed = try jobs.job(id: abandoned)
        #expect(failed.status == .failed && failed.finishedAt != nil)
        #expect(
            failed.error?.hasPrefix("abandoned: worker gone:1 stopped renewing its lease") == true,
            "\(failed.error ?? "")")
        #expect(try jobs.expireAbandoned(now: expires.addingTimeInterval(60)) == 0, "a failed job is failed once")

        // With no worker left to look at the queue, reading the job over HTTP is enough.
        let second = try queue(Self.spec(C: 0.6))
        _ = try #require(try jobs.claim(worker: "gone:2", lease: 0))
        let shown = try client.request("GET", "/models/train/jobs/\(second)", headers: Self.admin)
        #expect(shown.json["status"] as? String == "failed", "\(shown.body)")
        #expect((shown.json["error"] as? String)?.contains("worker gone:2") == true, "\(shown.body)")

        // A live worker with a short lease on a job that takes several leases renews it: a
        // reader looking at the queue all along fails nothing.
        let lease = 0.25
        let slow = try queue(Self.slowSpec)
        let worker = try ModelServeBinary.Running(
            ["worker", "--once", "--lease", String(lease)], environment: ["DATABASE_URL": url])
        var swept = 0
        while worker.process.isRunning {  // a reader every 20 ms, as a busy dashboard would be
            swept += try jobs.expireAbandoned()
            usleep(20_000)
        }
        #expect(worker.finish(signal: false) == 0, "\(worker.stderr)")
        #expect(swept == 0, "a live worker's job was failed as abandoned")
        let done = try jobs.job(id: slow)
        #expect(done.status == .completed, "\(done.error ?? "")")
        let started = try #require(done.startedAt)
        let ran = try #require(done.finishedAt).timeIntervalSince(started)
        try #require(ran > 4 * lease, "the job took \(ran) s: too short to need its lease renewed")
        #expect(try #require(done.leaseExpiresAt).timeIntervalSince(started) > 3 * lease, "the lease was not renewed")
    }

    @Test("an idle worker on Postgres starts a new job at once (announced), and stops on SIGTERM")
    func announced() throws {
        let (url, cleanup) = try TestDatabase.makeURL(.postgres)
        defer { cleanup() }
        let server = try APITestServer(url: url)
        defer { server.stop() }
        // A poll far longer than the test: only the announcement can start the job in time.
        let worker = try ModelServeBinary.Running(
            ["worker", "--poll-interval", "300"], environment: ["DATABASE_URL": url])
        try #require(worker.wait(onStderr: true) { $0.contains("waiting for training jobs") }, "\(worker.stderr)")
        let queued = try Self.queueing(server).request(
            "POST", "/models/train", body: Self.spec(C: 0.4), headers: Self.admin)
        let id = Int64(try #require(queued.json["id"] as? Int))
        let jobs = TrainingJobs(registry: server.registry)
        let started = Date()
        while try jobs.job(id: id).status != .completed && Date().timeIntervalSince(started) < 60 {}
        #expect(try jobs.job(id: id).status == .completed)
        #expect(worker.finish() == 0 && worker.stderr.contains("stopped"), "\(worker.stderr)")
    }
}
