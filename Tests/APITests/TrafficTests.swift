import API
import Foundation
import Learning
import Registry
import Storage
import TestSupport
import Testing

@Suite("Canary and shadow traffic", .serialized)
struct TrafficTests {
    static let admin = ["Authorization": "Bearer \(APITestServer.token)"]
    static let row = #"{"model": "promotion", "features": {"network_ability": 0.3, "competence": -0.2}}"#

    static func answeredBy(_ response: TestClient.Response) -> Int? { response.json["model_id"] as? Int }

    @Test(
        "a 90/10 split: shares within three standard deviations, sticky per X-Routing-Key; assign clears it",
        arguments: Backend.allCases)
    func canary(_ backend: Backend) throws {
        let (url, cleanup) = try TestDatabase.makeURL(backend)
        defer { cleanup() }
        let server = try APITestServer(url: url)
        defer { server.stop() }
        let client = server.inProcess
        let (v1, v2) = (Int(server.versions[0].id), Int(server.versions[1].id))
        let set = try client.request(
            "POST", "/models/traffic", body: #"{"name": "promotion", "split": {"\#(v1)": 0.9, "\#(v2)": 0.1}}"#,
            headers: Self.admin)
        #expect(set.status == 200, "\(set.body)")
        let n = 5000.0
        let bound = 3 * (0.1 * 0.9 / n).squareRoot()
        // By routing key: each key's place is fixed, so the share is too.
        var canary = 0
        for i in 0..<5000 {
            let answer = try client.request("POST", "/predict", body: Self.row, headers: ["X-Routing-Key": "user-\(i)"])
            if Self.answeredBy(answer) == v2 { canary += 1 }
        }
        #expect(abs(Double(canary) / n - 0.1) < bound, "\(canary) of 5000 by key")
        // Without a key: random, so allow five standard deviations (a false alarm once in 1.7 million runs).
        var random = 0
        for _ in 0..<5000 where Self.answeredBy(try client.request("POST", "/predict", body: Self.row)) == v2 {
            random += 1
        }
        #expect(abs(Double(random) / n - 0.1) < 5 * bound / 3, "\(random) of 5000 at random")
        // The default-model fast path routes too.
        var fast: Set<Int> = []
        for _ in 0..<300 {
            let answer = try client.request(
                "POST", "/predict", body: #"{"features": {"network_ability": 0.3, "competence": -0.2}}"#)
            if let id = Self.answeredBy(answer) { fast.insert(id) }
        }
        #expect(fast == [v1, v2])
        // Sticky: a key keeps its version.
        let first = Self.answeredBy(
            try client.request("POST", "/predict", body: Self.row, headers: ["X-Routing-Key": "alice"]))
        for _ in 0..<20 {
            #expect(
                Self.answeredBy(
                    try client.request("POST", "/predict", body: Self.row, headers: ["X-Routing-Key": "alice"]))
                    == first)
        }
        // The current production is still v1, whatever the split.
        #expect(try client.request("GET", "/models/current").json["id"] as? Int == v1)
        let listed = try client.request("GET", "/models/traffic", headers: Self.admin)
        #expect(listed.body.contains("\"\(v2)\":0.1"), "\(listed.body)")
        // Monitoring of the canary: its recent feedback metrics against production's over the
        // same window. 200 keyed answers, every outcome 1: each version's log loss is -ln p.
        var answered: [(id: String, version: Int)] = []
        for i in 0..<200 {
            let answer = try client.request("POST", "/predict", body: Self.row, headers: ["X-Routing-Key": "m-\(i)"])
            answered.append((try #require(answer.headers["x-request-id"]), try #require(Self.answeredBy(answer))))
        }
        #expect(answered.contains { $0.version == v2 } && answered.contains { $0.version == v1 })
        try server.waitUntilLogged(1 + 10_000 + 300 + 21 + 2 + 200)  // every request so far
        server.waitUntilCounted(1 + 10_000 + 300 + 21 + 2 + 200)
        let labels = answered.map { #"{"request_id": "\#($0.id)", "actual": 1}"# }.joined(separator: ",")
        #expect(
            try client.request("POST", "/feedback", body: #"{"feedback": [\#(labels)]}"#, headers: Self.admin).status
                == 200)
        let features: [String: FeatureValue] = ["network_ability": .number(0.3), "competence": .number(-0.2)]
        let p1 = try server.versions[0].model().predict(features).prediction.value
        let p2 = try server.versions[1].model().predict(features).prediction.value
        let monitoring = try client.request("GET", "/models/\(v2)/monitoring").json
        let canaryFigures = try #require(monitoring["canary"] as? [String: Any], "\(monitoring)")
        #expect(canaryFigures["production_model_id"] as? Int == v1 && canaryFigures["weight"] as? Double == 0.1)
        let delta = try #require((canaryFigures["delta"] as? [String: Double])?["log_loss"])
        #expect(abs(delta - (-log(p2) + log(p1))) < 1e-9, "\(delta) vs \(-log(p2) + log(p1))")
        #expect(try client.request("GET", "/models/\(v1)/monitoring").json["canary"] == nil, "production is no canary")
        // The dashboard marks the canary on the name's history chart.
        let dashboard = try Chromium.dumpDOM("http://127.0.0.1:\(server.port)/")
        #expect(
            dashboard.contains(">canary</text>") && dashboard.contains("fill=\"#d97706\""), "\(dashboard.prefix(300))")
        // and draws the last hour's requests of both versions in service.
        let traffic = try #require(dashboard.firstMatch(of: /<div id="traffic" class="cards">(.*?)<\/div>/)?.1)
        for label in ["promotion v1 (production)", "promotion v2 (canary)"] {
            #expect(traffic.contains(">\(label)</text>"), "\(traffic.prefix(600))")
        }
        #expect(traffic.matches(of: /class="series" data-points="[1-9]/).count == 2 + 4, "rate, p50 and p99 of each")
        // Assigning production ends the split.
        #expect(
            try client.request("POST", "/models/assign", body: #"{"model_id": \#(v2)}"#, headers: Self.admin).status
                == 200)
        #expect(try client.request("GET", "/models/traffic", headers: Self.admin).body == "[]")
        for _ in 0..<50 { #expect(Self.answeredBy(try client.request("POST", "/predict", body: Self.row)) == v2) }
    }

    @Test("shadow versions score the same rows: logged, marked, never returned", arguments: Backend.allCases)
    func shadow(_ backend: Backend) throws {
        let (url, cleanup) = try TestDatabase.makeURL(backend)
        defer { cleanup() }
        let server = try APITestServer(url: url)
        defer { server.stop() }
        let client = server.inProcess
        let (v1, v2) = (Int(server.versions[0].id), Int(server.versions[1].id))
        #expect(
            try client.request(
                "POST", "/models/traffic", body: #"{"name": "promotion", "split": {"\#(v1)": 1}, "shadow": [\#(v2)]}"#,
                headers: Self.admin
            ).status == 200)
        var ids: [String] = []
        for i in 0..<40 {
            let body =
                i % 2 == 0
                ? Self.row
                : #"{"model": "promotion", "instances": [{"network_ability": 1, "competence": 2}, {"network_ability": -1, "competence": 0.5}]}"#
            let answer = try client.request("POST", "/predict", body: body)
            #expect(answer.status == 200 && Self.answeredBy(answer) == v1, "only production answers")
            #expect(!answer.body.contains("shadow"))
            ids.append(try #require(answer.headers["x-request-id"]))
        }
        try server.waitUntilLogged(40 + 1 + 40)
        let shadowRows = try server.database.query(
            "SELECT request_id, model_id, response_body, status FROM request_log WHERE path = '/predict (shadow)' ORDER BY id"
        )
        #expect(shadowRows.count == 40)
        #expect(Set(shadowRows.compactMap { $0[0].string }) == Set(ids.map { "\($0)-shadow-\(v2)" }))
        #expect(shadowRows.allSatisfy { $0[1].int64 == Int64(v2) && $0[3].int64 == 200 })
        // What the shadow logged is what v2 predicts for the row.
        let v2Model = try server.versions[1].model()
        let expected = try v2Model.predict(["network_ability": .number(0.3), "competence": .number(-0.2)]).prediction
            .value
        let logged = try #require(shadowRows.first?[2].string)
        let predictions = try #require(
            (try JSONSerialization.jsonObject(with: Data(logged.utf8)) as? [String: Any])?["predictions"] as? [Double])
        // (Foundation's JSON parser may be an ulp off the written shortest digits.)
        #expect(predictions.count == 1 && abs(predictions[0] - expected) < 1e-12, "\(predictions) vs \(expected)")
        let production = try server.versions[0].model()
        let v1Value = try production.predict(["network_ability": .number(0.3), "competence": .number(-0.2)]).prediction
            .value
        #expect(abs(v1Value - expected) > 1e-6, "the two versions differ, so the log shows the shadow's own answer")
        // Monitoring compares the shadow with the answering version on the same requests:
        // agreement on all 60 rows, and both versions' metrics on the rows given labels.
        let rows: [[String: FeatureValue]] = [
            ["network_ability": .number(0.3), "competence": .number(-0.2)],
            ["network_ability": .number(1), "competence": .number(2)],
            ["network_ability": .number(-1), "competence": .number(0.5)],
        ]
        let p1 = try rows.map { try production.predict($0).prediction.value }
        let p2 = try rows.map { try v2Model.predict($0).prediction.value }
        let same = (0..<3).map { (p1[$0] > 0.5) == (p2[$0] > 0.5) ? 1.0 : 0.0 }
        let agreement = (20 * same[0] + 20 * same[1] + 20 * same[2]) / 60
        // Labels for the single rows: 1 for even ones, 0 for the rest.
        let singles = stride(from: 0, to: 40, by: 2).map { ids[$0] }
        let labels = singles.enumerated().map { #"{"request_id": "\#($1)", "actual": \#($0 % 2 == 0 ? 1 : 0)}"# }
        #expect(
            try client.request(
                "POST", "/feedback", body: #"{"feedback": [\#(labels.joined(separator: ","))]}"#, headers: Self.admin
            )
            .status == 200)
        let monitoring = try client.request("GET", "/models/\(v2)/monitoring")
        let comparison = try #require(monitoring.json["shadow"] as? [String: Any], "\(monitoring.body)")
        #expect(comparison["against_model_id"] as? Int == v1)
        #expect(comparison["requests"] as? Int == 40 && comparison["rows"] as? Int == 60)
        #expect(abs((comparison["agreement"] as? Double ?? .nan) - agreement) < 1e-12)
        #expect(comparison["labelled_rows"] as? Int == 20)
        let truth = (0..<20).map { $0 % 2 == 0 ? 1.0 : 0.0 }
        let shadowLoss = ClassificationMetrics(truth: truth, probabilities: Array(repeating: p2[0], count: 20)).logLoss
        let answeredLoss = ClassificationMetrics(truth: truth, probabilities: Array(repeating: p1[0], count: 20))
            .logLoss
        let metrics = try #require(comparison["shadow_metrics"] as? [String: Double])
        let answered = try #require(comparison["answered_metrics"] as? [String: Double])
        #expect(abs(metrics["log_loss"]! - shadowLoss) < 1e-9 && abs(answered["log_loss"]! - answeredLoss) < 1e-9)
        #expect(abs((comparison["delta"] as? [String: Double])!["log_loss"]! - (shadowLoss - answeredLoss)) < 1e-9)
        #expect(try client.request("GET", "/models/\(v1)/monitoring").json["shadow"] == nil, "v1 shadowed nothing")
        // Drift of a shadow version is over the traffic it scored: the same 40 requests, 60 rows.
        let drift = try client.request("GET", "/models/\(v2)/drift")
        #expect(drift.status == 200, "\(drift.body)")
        #expect(drift.json["requests"] as? Int == 40 && drift.json["rows"] as? Int == 60, "\(drift.body)")
        let page = try Chromium.dumpDOM("http://127.0.0.1:\(server.port)/models/\(v2)/monitoring")
        #expect(
            page.contains("id=\"shadow-table\"") && page.contains("As a shadow of version id \(v1)"),
            "\(page.prefix(300))")
    }

    @Test("splits are refused unless every version is the name's, weights sum to 1 and shadows stand apart")
    func refusals() throws {
        let (url, cleanup) = try TestDatabase.makeURL(.sqlite)
        defer { cleanup() }
        let server = try APITestServer(url: url)
        defer { server.stop() }
        let client = server.inProcess
        let (v1, v2) = (Int(server.versions[0].id), Int(server.versions[1].id))
        for (body, status) in [
            (#"{"name": "promotion", "split": {"\#(v1)": 0.5, "\#(v2)": 0.4}}"#, 422),
            (#"{"name": "promotion", "split": {"\#(v1)": 1.5, "\#(v2)": -0.5}}"#, 422),
            (#"{"name": "promotion", "split": {"999": 1}}"#, 404),
            (#"{"name": "other", "split": {"\#(v1)": 1}}"#, 422),
            (#"{"name": "promotion", "split": {"\#(v1)": 1}, "shadow": [\#(v1)]}"#, 422),
            (#"{"name": "promotion", "split": {"x": 1}}"#, 422),
            (#"{"name": "promotion"}"#, 422),
        ] {
            let answer = try client.request("POST", "/models/traffic", body: body, headers: Self.admin)
            #expect(answer.status == status, "\(body): \(answer.status) \(answer.body)")
        }
        #expect(
            try client.request("POST", "/models/traffic", body: #"{"name": "promotion", "split": {"\#(v1)": 1}}"#)
                .status == 401)
        #expect(try client.request("GET", "/models/traffic", headers: Self.admin).body == "[]", "nothing was stored")
    }

    @Test("a second serve process on the same Postgres follows a split within a second")
    func replicaFollows() throws {
        let (url, cleanup) = try TestDatabase.makeURL(.postgres)
        defer { cleanup() }
        let server = try APITestServer(url: url)
        defer { server.stop() }
        let other = try openDatabase(url, maxConnections: 2)
        defer { other.close() }
        let store = ModelStore(registry: ModelRegistry(other))
        try store.refresh()
        let watcher = ProductionWatcher(store: store, database: other) { _ in }
        watcher.start()
        defer { watcher.stop() }
        let (v1, v2) = (Int(server.versions[0].id), Int(server.versions[1].id))
        let started = Date()
        #expect(
            try server.inProcess.request(
                "POST", "/models/traffic", body: #"{"name": "promotion", "split": {"\#(v1)": 0.5, "\#(v2)": 0.5}}"#,
                headers: Self.admin
            ).status == 200)
        while store.traffic.isEmpty && Date().timeIntervalSince(started) < 5 {}
        let seconds = Date().timeIntervalSince(started)
        #expect(store.traffic.first?.weights == [Int64(v1): 0.5, Int64(v2): 0.5])
        #expect(seconds < 1, "followed in \(seconds) s")
    }
}
