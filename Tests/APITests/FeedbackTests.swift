import API
import Foundation
import Learning
import Registry
import Storage
import TestSupport
import Testing

/// scikit-learn's metrics of two fixed models' predictions against later outcomes, written by
/// scripts/reference/make_feedback_fixtures.py.
struct FeedbackFixture: Decodable {
    struct Model: Decodable {
        let artifact: String
        let actual: [Double]
        let metrics: [String: Double]
        let calibration: Calibration?
    }
    struct Calibration: Decodable {
        let observedRate, meanPredicted: [Double]
        let rows: [Int]
    }
    let rows: [[Double]]
    let logistic: Model
    let linear: Model

    static func load() throws -> FeedbackFixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Fixtures/feedback.json")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(FeedbackFixture.self, from: Data(contentsOf: url))
    }
}

@Suite("Feedback and live quality", .serialized)
struct FeedbackTests {
    static let admin = ["Authorization": "Bearer \(APITestServer.token)"]

    /// Registers the fixture's two models, returns their ids.
    static func register(_ fixture: FeedbackFixture, _ server: APITestServer) throws -> (logistic: Int64, linear: Int64)
    {
        func draft(_ name: String, _ model: FeedbackFixture.Model) throws -> ModelRegistry.Draft {
            let parsed = try Model.fromArtifact(Data(model.artifact.utf8))
            return ModelRegistry.Draft(
                name: name, kind: parsed.kind, hyperparameters: parsed.hyperparameters,
                metrics: VersionMetrics(train: ["rows": 1000], test: nil, crossValidation: nil),
                featureSchema: parsed.schema, trainingQuery: nil, rowCount: 1000, dataFingerprint: nil,
                artifact: model.artifact, trainingSeconds: nil)
        }
        let records = try server.registry.register([
            try draft("fb-logistic", fixture.logistic), try draft("fb-linear", fixture.linear),
        ])
        for record in records { try server.registry.assign(id: record.id, by: "test") }
        try server.store.refresh()
        return (records[0].id, records[1].id)
    }

    @Test(
        "feedback on 1,000 logged predictions gives scikit-learn's metrics and calibration on those rows",
        arguments: Backend.allCases)
    func liveQuality(_ backend: Backend) throws {
        let fixture = try FeedbackFixture.load()
        let (url, cleanup) = try TestDatabase.makeURL(backend)
        defer { cleanup() }
        let server = try APITestServer(url: url)
        defer { server.stop() }
        let ids = try Self.register(fixture, server)
        let client = server.inProcess
        // 900 single predictions and one batch of 100, per model.
        var references: [String: [String]] = [:]
        for name in ["fb-logistic", "fb-linear"] {
            var refs: [String] = []
            for row in fixture.rows.prefix(900) {
                let answer = try client.request(
                    "POST", "/predict", body: #"{"model": "\#(name)", "features": {"a": \#(row[0]), "b": \#(row[1])}}"#)
                #expect(answer.status == 200)
                refs.append(try #require(answer.headers["x-request-id"]))
            }
            let batch = fixture.rows.suffix(100).map { #"{"a": \#($0[0]), "b": \#($0[1])}"# }.joined(separator: ",")
            let answer = try client.request(
                "POST", "/predict", body: #"{"model": "\#(name)", "instances": [\#(batch)]}"#)
            #expect(answer.status == 200)
            let id = try #require(answer.headers["x-request-id"])
            refs += (0..<100).map { "\(id)#\($0)" }
            references[name] = refs
        }
        try server.waitUntilLogged(2 * 901)
        server.waitUntilCounted(2 * 901)
        for (name, model, modelID) in [
            ("fb-logistic", fixture.logistic, ids.logistic), ("fb-linear", fixture.linear, ids.linear),
        ] {
            // In batches of 250, labels as the model's task takes them (booleans for the classifier).
            let refs = try #require(references[name])
            for start in stride(from: 0, to: 1000, by: 250) {
                let items = (start..<start + 250).map { i -> String in
                    let actual =
                        name == "fb-logistic" ? (model.actual[i] == 1 ? "true" : "false") : "\(model.actual[i])"
                    return #"{"request_id": "\#(refs[i])", "actual": \#(actual)}"#
                }
                let posted = try client.request(
                    "POST", "/feedback", body: #"{"feedback": [\#(items.joined(separator: ","))]}"#, headers: Self.admin
                )
                #expect(posted.status == 200, "\(posted.body)")
                #expect(posted.json["recorded"] as? Int == 250)
            }
            let monitoring = try client.request("GET", "/models/\(modelID)/monitoring")
            #expect(monitoring.status == 200, "\(monitoring.body)")
            let live = try #require((monitoring.json["live"] as? [String: Any])?["all"] as? [String: Any])
            #expect(live["rows"] as? Int == 1000)
            let metrics = try #require(live["metrics"] as? [String: Double])
            for (metric, expected) in model.metrics {
                let got = try #require(metrics[metric], "\(name) has no \(metric)")
                #expect(
                    abs(got - expected) <= 1e-9 * max(1, abs(expected)),
                    "\(name) \(metric): \(got) vs scikit-learn \(expected)")
            }
            let recent = try #require((monitoring.json["live"] as? [String: Any])?["recent"] as? [String: Any])
            #expect(recent["rows"] as? Int == 1000, "all predictions are within the last 7 days")
            let requests = try #require(monitoring.json["requests"] as? [String: Any])
            #expect(requests["count"] as? Int == 901, "900 single requests and one batch")
            // Rate and latency over time come from request_minutes: the same requests as the
            // log holds, each latency percentile in the histogram bucket of the log's own.
            let logged = try server.database.query(
                "SELECT latency_us FROM request_log WHERE model_id = ? ORDER BY latency_us", [.integer(modelID)]
            ).compactMap { $0[0].int64 }
            #expect(logged.count == 901)
            let series = try #require(requests["series"] as? [[String: Any]])
            #expect(series.compactMap { $0["requests"] as? Int }.reduce(0, +) == 901, "\(series)")
            let latency = try #require(requests["latency_milliseconds"] as? [String: Double])
            let bounds = RequestMinutes.boundsMicros.map(Double.init) + [.infinity]
            func bucket(_ micros: Double) -> Int { bounds.firstIndex { micros <= $0 }! }
            for (name, q) in [("p50", 0.5), ("p99", 0.99)] {
                // The rank-th smallest latency, the rank the histogram estimate interpolates to.
                let exact = Double(logged[max(0, Int((q * Double(logged.count)).rounded(.up)) - 1)])
                let estimate = try #require(latency[name]) * 1000
                #expect(
                    bucket(estimate) == bucket(exact)
                        || (bucket(exact) == bounds.count - 1 && estimate == bounds[bounds.count - 2]),
                    "\(name): \(estimate) µs estimated, \(exact) µs in the log")
            }
            let mean = Double(logged.reduce(0, +)) / Double(logged.count) / 1000
            #expect(abs(try #require(latency["mean"]) - mean) <= 1e-9 * mean)
            // The page for people draws the same figures (headless Chromium, over the socket).
            let dom = try Chromium.dumpDOM("http://127.0.0.1:\(server.port)/models/\(modelID)/monitoring")
            #expect(dom.contains("data-loaded=\"yes\""), "\(dom.prefix(400))")
            let table = try #require(dom.firstMatch(of: /<table id="quality-table">(.*?)<\/table>/)?.1)
            // Requests over time: a point per interval of the JSON's series, on both charts.
            for chart in ["rate", "latency"] {
                let svg = try #require(
                    dom.firstMatch(of: try Regex("<div id=\"\(chart)\">(.*?)</div>"))?.output[1].substring)
                let points = svg.matches(of: /class="series" data-points="(\d+)"/).compactMap { Int($0.1) }
                #expect(!points.isEmpty && points.allSatisfy { $0 == series.count }, "\(chart): \(points)")
            }
            #expect(
                table.contains(String(format: "%.4f", model.metrics[name == "fb-logistic" ? "log_loss" : "rmse"]!)),
                "\(table)")
            if model.calibration != nil {
                let points = dom.matches(of: /class="series" data-points="(\d+)"/).compactMap { Int($0.1) }
                #expect(
                    points.first == model.calibration!.rows.filter { $0 > 0 }.count, "a point per filled bin: \(points)"
                )
            }
            if let calibration = model.calibration {
                let bins = try #require(monitoring.json["calibration"] as? [[String: Any]])
                #expect(bins.map { $0["rows"] as? Int } == calibration.rows.map { $0 })
                let filled = bins.filter { ($0["rows"] as? Int ?? 0) > 0 }
                for (bin, (observed, predicted)) in zip(
                    filled, zip(calibration.observedRate, calibration.meanPredicted))
                {
                    #expect(abs((bin["observed_rate"] as? Double ?? .nan) - observed) < 1e-12)
                    #expect(abs((bin["mean_predicted"] as? Double ?? .nan) - predicted) < 1e-12)
                }
            } else {
                #expect(monitoring.json["calibration"] == nil, "no calibration for a regression")
            }
        }
        // /metrics carries the same figures for the served versions, refreshed in the
        // background (the first scrape starts it; a scrape never waits on the database).
        var exposition = ""
        for (name, model) in [("fb-logistic", fixture.logistic), ("fb-linear", fixture.linear)] {
            let key = name == "fb-logistic" ? "log_loss" : "rmse"
            let sample = "modelserve_live_metric{metric=\"\(key)\",name=\"\(name)\",version=\"1\"} "
            let deadline = Date().addingTimeInterval(10)
            while !exposition.contains(sample) && Date() < deadline {
                exposition = try client.request("GET", "/metrics").body
            }
            let line = try #require(exposition.split(separator: "\n").first { $0.hasPrefix(sample) }, "\(exposition)")
            let scraped = try #require(Double(line.dropFirst(sample.count)))
            #expect(abs(scraped - model.metrics[key]!) <= 1e-9 * max(1, model.metrics[key]!), "\(line)")
            #expect(exposition.contains("modelserve_feedback_rows{name=\"\(name)\",version=\"1\"} 1000"))
        }
    }

    @Test(
        "feedback refuses what it cannot join or type, changes nothing, and needs a token", arguments: Backend.allCases)
    func refusals(_ backend: Backend) throws {
        let fixture = try FeedbackFixture.load()
        let (url, cleanup) = try TestDatabase.makeURL(backend)
        defer { cleanup() }
        let server = try APITestServer(url: url)
        defer { server.stop() }
        _ = try Self.register(fixture, server)
        let client = server.inProcess
        let single = try client.request(
            "POST", "/predict", body: #"{"model": "fb-logistic", "features": {"a": 1, "b": 2}}"#)
        let linear = try client.request(
            "POST", "/predict", body: #"{"model": "fb-linear", "features": {"a": 1, "b": 2}}"#)
        let batch = try client.request(
            "POST", "/predict", body: #"{"model": "fb-logistic", "instances": [{"a": 1, "b": 2}, {"a": 0, "b": 0}]}"#)
        let bad = try client.request("POST", "/predict", body: #"{"model": "fb-logistic", "features": {"a": "x"}}"#)
        let s = try #require(single.headers["x-request-id"])
        let l = try #require(linear.headers["x-request-id"])
        let b = try #require(batch.headers["x-request-id"])
        let e = try #require(bad.headers["x-request-id"])
        try server.waitUntilLogged(4)
        func post(_ body: String, headers: [String: String] = Self.admin) throws -> TestClient.Response {
            try client.request("POST", "/feedback", body: body, headers: headers)
        }
        #expect(try post(#"{"request_id": "\#(s)", "actual": 1}"#, headers: [:]).status == 401)
        #expect(
            try post(#"{"request_id": "\#(s)", "actual": 1}"#, headers: ["Authorization": "Bearer nope"]).status == 403)
        for (body, status, code) in [
            (#"{"request_id": "no-such-request", "actual": 1}"#, 404, "not_found"),
            (#"{"request_id": "\#(s)", "actual": 2}"#, 422, "bad_value"),
            (#"{"request_id": "\#(s)", "actual": "yes"}"#, 422, "invalid_label"),
            (#"{"request_id": "\#(l)", "actual": 3.5}"#, 200, ""),
            (#"{"request_id": "\#(b)", "actual": 1}"#, 422, "bad_value"),
            (#"{"request_id": "\#(b)#2", "actual": 1}"#, 404, "not_found"),
            (#"{"request_id": "\#(b)#x", "actual": 1}"#, 422, "bad_value"),
            (#"{"request_id": "\#(e)", "actual": 1}"#, 422, "bad_value"),
            (#"{"feedback": []}"#, 422, "invalid_request"),
            (#"{"actual": 1}"#, 422, "invalid_request"),
        ] {
            let answer = try post(body)
            #expect(answer.status == status, "\(body): \(answer.status) \(answer.body)")
            if !code.isEmpty { #expect(answer.body.contains(code), "\(body): \(answer.body)") }
        }
        // A batch with one bad item records none of it.
        let mixed = try post(
            #"{"feedback": [{"request_id": "\#(b)#0", "actual": 1}, {"request_id": "missing", "actual": 0}]}"#)
        #expect(mixed.status == 404)
        let database = server.database
        #expect(try database.query("SELECT count(*) FROM feedback")[0][0].int64 == 1, "only the linear label")
        // Given once; again is a conflict unless replaced.
        #expect(try post(#"{"request_id": "\#(b)#1", "actual": 0}"#).status == 200)
        #expect(try post(#"{"request_id": "\#(b)#1", "actual": 1}"#).status == 409)
        #expect(try post(#"{"request_id": "\#(b)#1", "actual": 1, "replace": true}"#).status == 200)
        let stored = try database.query(
            "SELECT actual FROM feedback WHERE request_id = ? AND row_index = 1", [.text(b)])
        #expect(stored.first?[0].double == 1)
        #expect(try client.request("GET", "/models/999/monitoring").status == 404)
        #expect(try client.request("GET", "/models/1/monitoring?window=soon").status == 400)
    }

    @Test("a label sent straight after its answer is joined, though the answer's row was still queued")
    func labelBeforeRow() throws {
        let fixture = try FeedbackFixture.load()
        let (url, cleanup) = try TestDatabase.makeURL(.sqlite)
        defer { cleanup() }
        // A partial batch of the log waits 60 s here, so the row is surely not written yet.
        let server = try APITestServer(url: url, logWait: 60)
        defer { server.stop() }
        _ = try Self.register(fixture, server)
        let client = server.inProcess
        let answer = try client.request(
            "POST", "/predict", body: #"{"model": "fb-linear", "features": {"a": 1, "b": 2}}"#)
        let id = try #require(answer.headers["x-request-id"])
        #expect(try server.requestLogCount() == 0, "the row waits in the queue")
        let posted = try client.request(
            "POST", "/feedback", body: #"{"request_id": "\#(id)", "actual": 4}"#, headers: Self.admin)
        #expect(posted.status == 200, "\(posted.body)")
        #expect(posted.json["recorded"] as? Int == 1)
        // An id that is nowhere is still a 404 (the queue is empty now: no wait).
        let missing = try client.request(
            "POST", "/feedback", body: #"{"request_id": "nowhere", "actual": 4}"#, headers: Self.admin)
        #expect(missing.status == 404)
    }

    @Test("MODELSERVE_FEEDBACK_TOKEN may post feedback and nothing else; the admin token may too")
    func feedbackToken() throws {
        let fixture = try FeedbackFixture.load()
        let (url, cleanup) = try TestDatabase.makeURL(.sqlite)
        defer { cleanup() }
        let server = try APITestServer(url: url)
        defer { server.stop() }
        _ = try Self.register(fixture, server)
        var configuration = APIConfiguration(adminToken: APITestServer.token)
        configuration.feedbackToken = "outcomes-token-0123456789"
        let client = InProcessClient(
            api: API(configuration: configuration, database: server.database, store: server.store, log: server.log))
        var ids: [String] = []
        for _ in 0..<2 {
            let answer = try client.request(
                "POST", "/predict", body: #"{"model": "fb-linear", "features": {"a": 1, "b": 2}}"#)
            ids.append(try #require(answer.headers["x-request-id"]))
        }
        try server.waitUntilLogged(2)
        let outcomes = ["Authorization": "Bearer outcomes-token-0123456789"]
        let posted = try client.request(
            "POST", "/feedback", body: #"{"request_id": "\#(ids[0])", "actual": 4}"#, headers: outcomes)
        #expect(posted.status == 200, "\(posted.body)")
        let byAdmin = try client.request(
            "POST", "/feedback", body: #"{"request_id": "\#(ids[1])", "actual": 4}"#, headers: Self.admin)
        #expect(byAdmin.status == 200, "\(byAdmin.body)")
        let wrong = try client.request(
            "POST", "/feedback", body: #"{"request_id": "\#(ids[1])", "actual": 4}"#,
            headers: ["Authorization": "Bearer nope"])
        #expect(wrong.status == 403 && wrong.body.contains("MODELSERVE_FEEDBACK_TOKEN"), "\(wrong.body)")
        let assign = try client.request("POST", "/models/assign", body: #"{"model_id": 1}"#, headers: outcomes)
        #expect(assign.status == 403, "the feedback token is not an admin token")
    }
}
