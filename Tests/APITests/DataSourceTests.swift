import API
import Foundation
import Registry
import Storage
import TestSupport
import Testing

/// `serve --data-table`: a table as the paginated source online ingest reads.
@Suite("The data source: GET /api/v1/data?page=N", .serialized)
struct DataSourceTests {
    @Test(
        "pages of 10 in key order, a short last page, [] past the end, 400 for a page that is not a number from 0",
        arguments: Backend.allCases)
    func pages(backend: Backend) throws {
        let (url, cleanup) = try TestDatabase.makeURL(backend)
        defer { cleanup() }
        let server = try APITestServer(url: url)
        defer { server.stop() }
        // Without --data-table there is no such route.
        #expect(try server.inProcess.request("GET", "/api/v1/data?page=0").status == 404)
        var configuration = APIConfiguration(adminToken: APITestServer.token)
        configuration.dataSource = try DataPages(database: server.database, table: "promotion")
        let client = InProcessClient(
            api: API(configuration: configuration, database: server.database, store: server.store, log: server.log))
        let total = Int(try server.database.query("SELECT count(*) FROM promotion")[0][0].int64 ?? 0)
        #expect(total == 400)
        var seen: [Int] = []
        for page in 0...(total / 10) {
            let response = try client.request("GET", "/api/v1/data?page=\(page)")
            #expect(response.status == 200)
            let rows = try #require(
                try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [[String: Any]])
            #expect(rows.count == (page < total / 10 ? 10 : 0), "page \(page)")
            seen += rows.compactMap { $0["id"] as? Int }
            if page == 3 {
                // The rows are the table's, every column, in key order.
                let expected = try server.database.query(
                    "SELECT id, network_ability, competence, promoted FROM promotion ORDER BY id LIMIT 10 OFFSET 30")
                for (row, stored) in zip(rows, expected) {
                    #expect(row["id"] as? Int == stored["id"].int64.map(Int.init))
                    #expect(row["network_ability"] as? Double == stored["network_ability"].double)
                    #expect(row["competence"] as? Double == stored["competence"].double)
                    #expect((row["promoted"] as? NSNumber)?.intValue == stored["promoted"].int64.map(Int.init))
                }
            }
        }
        let ids = try server.database.query("SELECT id FROM promotion ORDER BY id").compactMap { $0[0].int64 }.map(
            Int.init)
        #expect(seen == ids, "every row once, in key order")
        #expect(try client.request("GET", "/api/v1/data").body == client.request("GET", "/api/v1/data?page=0").body)
        for bad in ["-1", "abc", "1.5", "100000001", "99999999999999999999"] {
            let response = try client.request("GET", "/api/v1/data?page=\(bad)")
            #expect(response.status == 400, "page=\(bad)")
            #expect(response.body.contains("invalid_page"))
        }
        // Documented when offered.
        let document = try client.request("GET", "/openapi.json").json
        #expect((document["paths"] as? [String: Any])?["/api/v1/data"] != nil)
    }

    @Test(
        "a page after a full one is read by key (no offset scan) and equals the offset page, also once the table grows",
        arguments: Backend.allCases)
    func keysetPages(backend: Backend) throws {
        try TestDatabase.with(backend) { database, _ in
            try database.execute("CREATE TABLE series (id INTEGER PRIMARY KEY, v DOUBLE PRECISION)")
            // Keys with gaps, so a page's keys are not its offsets.
            for i in 1...95 {
                try database.execute("INSERT INTO series VALUES (?, ?)", [.integer(Int64(i * 3)), .double(Double(i))])
            }
            let pages = try DataPages(database: database, table: "series", pageSize: 10)
            func byOffset(_ n: Int) throws -> [Int64] {
                try database.query("SELECT id FROM series ORDER BY id LIMIT 10 OFFSET ?", [.integer(Int64(n * 10))])
                    .compactMap { $0[0].int64 }
            }
            func ids(_ n: Int) throws -> [Int64] { try pages.page(n).compactMap { $0["id"].int64 } }
            for n in 0...10 { #expect(try ids(n) == byOffset(n), "page \(n) in order") }
            #expect(try ids(9).count == 5 && ids(10).isEmpty)
            // Rows appended at the end: the short page fills, a new one follows.
            for i in 96...107 {
                try database.execute("INSERT INTO series VALUES (?, ?)", [.integer(Int64(i * 3)), .double(Double(i))])
            }
            for n in [9, 10, 4, 0, 10] { #expect(try ids(n) == byOffset(n), "page \(n) after the table grew") }
            #expect(try ids(9).count == 10 && ids(10).count == 7)
        }
    }

    @Test("serve refuses a data table that does not exist, or has no key column, before it listens")
    func refusals() throws {
        let (url, cleanup) = try TestDatabase.makeURL(.sqlite)
        defer { cleanup() }
        let database = try openDatabase(url, maxConnections: 1)
        try Migrator(for: database).migrate(database)
        try database.execute("CREATE TABLE keyless (a INTEGER)")
        database.close()
        let environment = ["DATABASE_URL": url, "MODELSERVE_ADMIN_TOKEN": "serve-test-token-0123"]
        let missing = try ModelServeBinary.run(
            ["serve", "--port", "0", "--data-table", "nowhere"], environment: environment)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no table nowhere to serve as data"), "\(missing.stderr)")
        let keyless = try ModelServeBinary.run(
            ["serve", "--port", "0", "--data-table", "keyless"], environment: environment)
        #expect(keyless.status == 1)
        #expect(keyless.stderr.contains("table keyless has no column id to page by; name one with --data-key"))
    }

    @Test("over a socket: serve --data-table answers pages to a plain HTTP client")
    func overSocket() throws {
        let (url, cleanup) = try TestDatabase.makeURL(.sqlite)
        defer { cleanup() }
        let folder = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let env = ["DATABASE_URL": url, "MODELSERVE_ADMIN_TOKEN": "serve-test-token-0123"]
        let failures = try ModelServeBinary.preparePromotionModel(folder: folder, environment: env)
        #expect(failures.isEmpty, "\(failures)")
        let serve = try ServeProcess(
            arguments: [
                "--threads", "1", "--journal", "\(folder)/journal", "--data-table", "promotion", "--data-page-size",
                "7",
            ],
            environment: env)
        let client = try TestClient(port: serve.port)
        let first = try client.request("GET", "/api/v1/data?page=0")
        #expect(first.status == 200)
        let rows = try JSONSerialization.jsonObject(with: Data(first.body.utf8)) as? [[String: Any]]
        #expect(rows?.count == 7)
        let keys = Set(rows?.first?.keys.map { $0 } ?? [])
        #expect(keys.isSuperset(of: ["id", "network_ability", "competence", "promoted"]), "\(keys)")
        #expect(serve.terminate().status == 0)
    }
}
