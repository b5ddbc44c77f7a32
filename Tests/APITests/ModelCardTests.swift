import Foundation
import Learning
import Registry
import Storage
import TestSupport
import Testing

/// Profiles over HTTP and the model card page, rendered by headless Chromium from the real
/// server over its socket.
@Suite("Profiles and model cards", .serialized)
struct ModelCardTests {
    let admin = ["Authorization": "Bearer \(APITestServer.token)"]

    static let spec = """
        name: gems
        description: Prices of round diamonds from their size and grades
        intended_use: Pricing stock for the shop's catalogue; not an appraisal
        query: SELECT carat, cut, color, clarity, x, y, z, price FROM diamonds_raw
        target: price
        on_suspicious: drop
        features: {numeric: [carat, x, y, z], categorical: [cut, color, clarity]}
        split: {test_fraction: 0.2, seed: 7}
        models:
          - {kind: linear, features: {numeric: [carat, x], categorical: [cut, color, clarity]}, hyperparameters: [{method: ols, target_transform: log}]}
        """

    static func loadRaw(into database: any Database) throws {
        let table = DemoData.generate(.diamondsRaw)[0]
        let csv = temporaryPath(suffix: ".csv")
        defer { try? FileManager.default.removeItem(atPath: csv) }
        try table.csv.write(toFile: csv, atomically: true, encoding: .utf8)
        _ = try CSVLoader(path: csv, table: table.name).load(into: database)
    }

    @Test(
        "POST /profiles profiles a query (admin), GET /profiles/{id} answers JSON or the page",
        arguments: Backend.allCases)
    func profiles(_ backend: Backend) throws {
        let (url, cleanup) = try TestDatabase.makeURL(backend)
        defer { cleanup() }
        let server = try APITestServer(url: url)
        defer { server.stop() }
        try Self.loadRaw(into: server.database)
        let client = try TestClient(port: server.port)
        let body = #"{"query": "SELECT * FROM diamonds_raw", "target": "price"}"#
        #expect(try client.request("POST", "/profiles", body: body).status == 401)
        let created = try client.request("POST", "/profiles", body: body, headers: admin)
        #expect(created.status == 201, "\(created.body)")
        let id = try #require(created.json["id"] as? Int)
        let profile = try #require(created.json["profile"] as? [String: Any])
        #expect(profile["rows"] as? Int == 5_001 && profile["duplicate_rows"] as? Int == 1)
        let rules = (profile["findings"] as? [[String: Any]])?.compactMap { $0["rule"] as? String } ?? []
        #expect(rules.contains("sentinel") && rules.contains("isolated_zeros") && rules.contains("linked_columns"))
        #expect(created.json["query"] as? String == "SELECT * FROM diamonds_raw")
        // Read back: the same figures; the SQL only for admins.
        let anonymous = try client.request("GET", "/profiles/\(id)")
        #expect(anonymous.status == 200 && anonymous.json["query"] == nil)
        #expect((anonymous.json["profile"] as? [String: Any])?["rows"] as? Int == 5_001)
        #expect(try client.request("GET", "/profiles/\(id)", headers: admin).json["query"] as? String != nil)
        #expect(try client.request("GET", "/profiles/\(id + 1)").status == 404)
        let refused = try client.request(
            "POST", "/profiles", body: #"{"query": "DELETE FROM diamonds_raw"}"#, headers: admin)
        #expect(refused.status == 422, "\(refused.body)")
        let unknown = try client.request(
            "POST", "/profiles", body: #"{"query": "SELECT carat FROM diamonds_raw", "target": "cost"}"#, headers: admin
        )
        #expect(unknown.status == 422 && unknown.body.contains("columns: carat"), "\(unknown.body)")
        // Stored once: the refused requests left nothing behind.
        let stored = try server.database.query(
            "SELECT COUNT(*) FROM data_profiles WHERE query LIKE ?", [.text("%diamonds_raw%")])[0][0]
        #expect(stored.int64 == 1, "\(stored)")
        // The page: every number column's histogram, a finding per rule, the heatmaps.
        let dom = try Chromium.dumpDOM("http://127.0.0.1:\(server.port)/profiles/\(id)")
        #expect(dom.contains("data-loaded=\"yes\""), "\(dom.prefix(300))")
        #expect(dom.matches(of: /class="histogram"/).count == 7, "carat depth table price x y z")
        #expect(dom.contains("data-rule=\"sentinel\"") && dom.contains("10 rows have price = -1"))
        #expect(dom.matches(of: /class="heatmap"/).count == 3)
        #expect(!dom.contains("SELECT * FROM diamonds_raw"), "the query shown to a caller without the token")
    }

    @Test("GET /models/{id} in a browser is the model card; clients still get JSON", arguments: Backend.allCases)
    func card(_ backend: Backend) throws {
        let (url, cleanup) = try TestDatabase.makeURL(backend)
        defer { cleanup() }
        let server = try APITestServer(url: url)
        defer { server.stop() }
        try Self.loadRaw(into: server.database)
        let trained = try Trainer(registry: server.registry).train(
            try TrainingSpec.parse(Self.spec), promotion: .always)
        let version = try #require(trained.versions.first)
        try server.store.refresh()
        let client = try TestClient(port: server.port)
        let json = try client.request("GET", "/models/\(version.id)")
        #expect(json.status == 200 && json.headers["content-type"] == "application/json")
        let card = try #require(json.json["card"] as? [String: Any])
        #expect(card["description"] as? String == "Prices of round diamonds from their size and grades")
        #expect(json.json["data_profile_id"] as? Int != nil)

        let dom = try Chromium.dumpDOM("http://127.0.0.1:\(server.port)/models/\(version.id)")
        #expect(dom.contains("data-loaded=\"yes\""), "\(dom.prefix(300))")
        #expect(dom.contains("Prices of round diamonds from their size and grades"))
        #expect(dom.contains("Pricing stock for the shop's catalogue; not an appraisal"))
        #expect(dom.contains("class=\"badge\">production"))
        // Caveats the data showed: what was dropped, and carat with x collinear.
        // price = -1 (10 rows) and x = 0 (1): y and z are not read by the one model, so their rows stay.
        #expect(dom.contains("11 suspicious rows were dropped before fitting"))
        #expect(dom.contains("carat and x are collinear"))
        // The inference table: a row per term (intercept, carat, x and the dummies), each with its p.
        let model = try version.model()
        let terms = try #require(model.inferenceTable?.terms.count)
        let table = try #require(dom.firstMatch(of: /<table id="inference">(.*?)<\/table>/)?.1)
        #expect(table.matches(of: /<tr>/).count == terms + 1)
        // Metrics with definitions, the assignment, the training rows' profile.
        #expect(dom.contains("mean absolute error") && dom.contains("root mean squared error"))
        #expect(dom.contains("<b>\(version.id) (this)</b>"))
        #expect(dom.contains("data-rule=\"sentinel\"") && dom.matches(of: /class="histogram"/).count == 5)
        #expect(!dom.contains("SELECT carat, cut"), "the query shown to a caller without the token")
        #expect(try client.request("GET", "/models/999", headers: ["Accept": "text/html"]).status == 404)
        // A classifier's card has its calibration on the held-out rows: every test row in a bin.
        let logistic = server.versions[0]
        let calibration = try #require(
            (try client.request("GET", "/models/\(logistic.id)").json["card"] as? [String: Any])?["calibration"]
                as? [[String: Any]])
        let testRows = try #require(logistic.metrics.test?["rows"])
        #expect(calibration.count == 10 && calibration.compactMap { $0["rows"] as? Int }.reduce(0, +) == Int(testRows))
        let page = try Chromium.dumpDOM("http://127.0.0.1:\(server.port)/models/\(logistic.id)")
        #expect(page.contains("<div class=\"charts\" id=\"training-calibration\"><svg"), "\(page.prefix(2000))")
    }
}
