import API
import Foundation
import Registry
import Storage
import Synchronization
import TestSupport
import Testing

@Suite("Hot swap and the request log", .serialized)
struct SwapAndLogTests {
    static let row = "{\"features\": {\"network_ability\": 0.5, \"competence\": -0.2}}"
    let admin = ["Authorization": "Bearer \(APITestServer.token)"]

    @Test(
        "200 assigns while 4 clients predict: no error, and every answer came from a production version",
        arguments: Backend.allCases)
    func swapUnderLoad(backend: Backend) throws {
        let (url, cleanup) = try TestDatabase.makeURL(backend)
        defer { cleanup() }
        let server = try APITestServer(url: url)
        defer { server.stop() }
        let ids = server.versions.map(\.id)
        let port = server.port
        let answered = Mutex<[Int64: Int]>([:])
        let load = ClientLoad(clients: 4, port: port) { client in
            let response = try client.request("POST", "/predict", body: Self.row)
            guard response.status == 200, let id = response.json["model_id"] as? Int else {
                throw TestSetupError("\(response.status) \(response.body)")
            }
            answered.withLock { $0[Int64(id), default: 0] += 1 }
            return true
        }
        let failures = load.failures
        let client = try TestClient(port: server.port)
        for i in 0..<200 {
            let response = try client.request(
                "POST", "/models/assign", body: "{\"model_id\": \(ids[i % 2])}", headers: admin)
            #expect(response.status == 200)
        }
        load.stop()
        #expect(failures.all.isEmpty, "\(failures.all.prefix(3))")
        let counts = answered.withLock { $0 }
        // Every answer names a version of this model that was production at some point, and the
        // swaps were seen (both versions answered).
        #expect(Set(counts.keys).isSubset(of: Set(ids)))
        #expect(counts.keys.count == 2, "\(counts)")
    }

    @Test("after N requests and a shutdown, request_log holds exactly N rows", arguments: Backend.allCases)
    func exactCount(backend: Backend) throws {
        let (url, cleanup) = try TestDatabase.makeURL(backend)
        defer { cleanup() }
        let server = try APITestServer(url: url)
        let before = try server.requestLogCount()
        let n = 500
        let client = try TestClient(port: server.port)
        var ids: Set<String> = []
        for i in 0..<n {
            let response =
                i % 5 == 0
                ? try client.request("GET", "/health")
                : try client.request("POST", "/predict", body: Self.row)
            ids.insert(response.headers["x-request-id"] ?? "")
        }
        let database = try openDatabase(url, maxConnections: 1)
        defer { database.close() }
        server.stop()
        let rows = try database.query("SELECT request_id FROM request_log")
        #expect(rows.count == before + n)
        #expect(ids.isSubset(of: Set(rows.compactMap { $0[0].string })))
    }

    @Test("with Postgres stopped and restarted mid-run, the server keeps answering and no row is lost")
    func databaseGoesAway() throws {
        let postgres = try TemporaryPostgres()
        defer { postgres.destroy() }
        let server = try APITestServer(url: postgres.url)
        let client = try TestClient(port: server.port)
        var ids: Set<String> = []
        func burst(_ count: Int) throws {
            for _ in 0..<count {
                let response = try client.request("POST", "/predict", body: Self.row)
                #expect(response.status == 200)
                ids.insert(response.headers["x-request-id"] ?? "")
            }
        }
        let before = try server.requestLogCount()
        try burst(100)
        try postgres.stop()
        try burst(150)  // answered from memory; the log spills to its journal
        #expect(server.log.rowsWaiting > 0 || server.log.isDatabaseDown)
        // Unauthenticated routes that need the database say so, and nothing of where it is.
        for path in ["/", "/models", "/models/current", "/models/\(server.versions[0].id)", "/ready"] {
            let response = try client.request("GET", path)
            ids.insert(response.headers["x-request-id"] ?? "")
            #expect(response.status == 503, "\(path): \(response.status)")
            #expect(response.body.contains("database"), "\(path): \(response.body)")
            for secret in [String(postgres.port), "127.0.0.1", "connection to server", "modelserve:", "user"] {
                #expect(!response.body.contains(secret), "\(path) leaks \(secret): \(response.body)")
            }
        }
        try postgres.start()
        try burst(50)
        server.stop()  // drains, replays the journal
        let database = try openDatabase(postgres.url, maxConnections: 1)
        defer { database.close() }
        let rows = try database.query("SELECT request_id FROM request_log")
        #expect(rows.count == before + 305)
        #expect(Set(rows.compactMap { $0[0].string }).isSuperset(of: ids))
    }

    @Test("a second serve process on the same Postgres follows an assignment within a second")
    func followAcrossProcesses() throws {
        let (url, cleanup) = try TestDatabase.makeURL(.postgres)
        defer { cleanup() }
        let first = try APITestServer(url: url)
        defer { first.stop() }
        let second = try APITestServer(url: url)
        defer { second.stop() }
        let watcher = ProductionWatcher(store: second.store, database: second.database)
        watcher.start()
        defer { watcher.stop() }
        let target = first.versions[1].id
        let assigned = try TestClient(port: first.port).request(
            "POST", "/models/assign", body: "{\"model_id\": \(target)}", headers: admin)
        #expect(assigned.status == 200)
        let started = Date()
        let client = try TestClient(port: second.port)
        var seen: Int64?
        while Date().timeIntervalSince(started) < 1.0 {
            if let id = client.predictModelID(Self.row), id == target {
                seen = id
                break
            }
        }
        #expect(seen == target, "the second process still answers with the old version after 1 s")
    }
}

extension TestClient {
    func predictModelID(_ body: String) -> Int64? {
        guard let response = try? request("POST", "/predict", body: body), let id = response.json["model_id"] as? Int
        else {
            return nil
        }
        return Int64(id)
    }
}
