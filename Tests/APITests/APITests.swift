import API
import Foundation
import Registry
import Storage
import TestSupport
import Testing

@Suite("HTTP API over real sockets and databases", .serialized)
struct APITests {
    func withServer(_ backend: Backend, _ body: (APITestServer) throws -> Void) throws {
        let (url, cleanup) = try TestDatabase.makeURL(backend)
        defer { cleanup() }
        let server = try APITestServer(url: url)
        var stopped = false
        defer { if !stopped { server.stop() } }
        try body(server)
        server.stop()
        stopped = true
    }

    static let row = "{\"network_ability\": 0.5, \"competence\": -0.2}"
    let admin = ["Authorization": "Bearer \(APITestServer.token)"]

    @Test("predict one row and a batch; the response names the model and matches the log", arguments: Backend.allCases)
    func predict(backend: Backend) throws {
        try withServer(backend) { server in
            let client = try TestClient(port: server.port)
            let one = try client.request("POST", "/predict", body: "{\"features\": \(Self.row)}")
            #expect(one.status == 200)
            let json = one.json
            #expect(json["model_id"] as? Int == Int(server.versions[0].id))
            #expect(json["name"] as? String == "promotion")
            #expect(json["version"] as? Int == 1)
            // Foundation's JSONSerialization rounds some doubles on Linux; read the exact value.
            guard case .number(let probability)? = try JSONReader.parse(Array(one.body.utf8))["probability"] else {
                Issue.record("no probability in \(one.body)")
                return
            }
            #expect(probability > 0 && probability < 1)
            #expect(json["label"] as? Int == (probability > 0.5 ? 1 : 0))
            #expect(json["request_id"] as? String == one.headers["x-request-id"])
            // The same probability as the model itself computes.
            guard
                case .classification(let p, _) = try server.versions[0].model().predict(
                    ["network_ability": .number(0.5), "competence": .number(-0.2)]).prediction
            else { Issue.record("not a classifier"); return }
            #expect(p == probability)

            let batch = try client.request(
                "POST", "/predict",
                body:
                    "{\"instances\": [\(Self.row), {\"network_ability\": -2, \"competence\": 1}], \"model\": \"promotion\"}"
            )
            #expect(batch.status == 200)
            #expect((batch.json["predictions"] as? [[String: Any]])?.count == 2)
            let byID = try client.request(
                "POST", "/predict", body: "{\"features\": \(Self.row), \"model_id\": \(server.versions[1].id)}")
            #expect(byID.json["version"] as? Int == 2)

            server.log.shutdown()  // flush, then look the request up by its id
            let requestID = try #require(one.headers["x-request-id"])
            let rows = try server.database.query(
                "SELECT status, model_id, method, path, request_body, response_body, latency_us FROM request_log WHERE request_id = ?",
                [.text(requestID)])
            #expect(rows.count == 1)
            #expect(rows.first?["status"] == .integer(200))
            #expect(rows.first?["model_id"] == .integer(server.versions[0].id))
            #expect(rows.first?["path"] == .text("/predict"))
            #expect(rows.first?["response_body"].string == one.body)
            #expect(rows.first?["request_body"].string?.contains("network_ability") == true)
        }
    }

    @Test(
        "the prediction contract: an absent feature is a 422 even when the model could impute it; an explicit null is imputed and listed",
        arguments: Backend.allCases)
    func absentAndNull(backend: Backend) throws {
        try withServer(backend) { server in
            // A version that imputes: missing values get the training mean.
            var spec = TrainingSpec(
                name: "imputing", kind: .logistic,
                query: "SELECT network_ability, competence, promoted FROM promotion ORDER BY id", target: "promoted")
            spec.hyperparameterSets = [["missing": .text("mean")]]
            let id = try Trainer(registry: server.registry).train(spec).versions[0].id
            let client = server.inProcess
            let empty = try client.request("POST", "/predict", body: "{\"model_id\": \(id), \"features\": {}}")
            #expect(empty.status == 422)
            let details = (empty.json["error"] as? [String: Any])?["details"] as? [String: String]
            #expect(Set(details?.keys.map { $0 } ?? []) == ["features.network_ability", "features.competence"])
            let null = try client.request(
                "POST", "/predict",
                body: "{\"model_id\": \(id), \"features\": {\"network_ability\": 0.5, \"competence\": null}}")
            #expect(null.status == 200)
            #expect(null.json["imputed"] as? [String] == ["competence"])
            // Imputed with the training mean: the same answer as sending the mean itself.
            let model = try server.registry.record(id: id).model()
            let mean = try #require(model.preprocessor.numeric.first { $0.name == "competence" }?.fill)
            let explicit = try client.request(
                "POST", "/predict",
                body: "{\"model_id\": \(id), \"features\": {\"network_ability\": 0.5, \"competence\": \(mean)}}")
            #expect(explicit.json["imputed"] == nil)
            #expect(explicit.json["probability"] as? Double == null.json["probability"] as? Double)
        }
    }

    @Test("requests the server refuses itself answer in the API's error shape", arguments: [Backend.sqlite])
    func serverRefusalsAreJSON(backend: Backend) throws {
        try withServer(backend) { server in
            let client = try TestClient(port: server.port)
            try client.send(
                "POST /predict HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 400)
            let error = response.json["error"] as? [String: Any]
            #expect(error?["code"] as? String == "bad_request")
            #expect((error?["message"] as? String)?.contains("both Content-Length and Transfer-Encoding") == true)
        }
    }

    @Test(
        "bad predictions: 400 with the byte offset, 422 listing every feature, 404, 405, 413",
        arguments: Backend.allCases)
    func predictErrors(backend: Backend) throws {
        try withServer(backend) { server in
            let client = server.inProcess
            let malformed = try client.request("POST", "/predict", body: "{\"features\": {\"a\": 1,}}")
            #expect(malformed.status == 400)
            #expect(
                (malformed.json["error"] as? [String: Any])?["message"] as? String
                    == "the body is not valid JSON: expected a string key at byte 21")
            let invalid = try client.request(
                "POST", "/predict",
                body: "{\"features\": {\"network_ability\": \"high\", \"competence\": null, \"age\": 40, \"x\": [1]}}")
            #expect(invalid.status == 422)
            let details = (invalid.json["error"] as? [String: Any])?["details"] as? [String: String]
            #expect(
                details == [
                    "features.network_ability": "must be a number, got text",
                    "features.competence": "must not be null (the model was trained with missing: error)",
                    "features.age": "unknown feature", "features.x": "must be a number, a string or null, not an array",
                ])
            let missing = try client.request("POST", "/predict", body: "{\"features\": {}}")
            #expect(missing.status == 422)
            #expect(
                ((missing.json["error"] as? [String: Any])?["details"] as? [String: String])?["features.competence"]
                    == "missing: send a value, or null for the model's missing-value policy")
            let unknownModel = try client.request(
                "POST", "/predict", body: "{\"features\": \(Self.row), \"model\": \"nope\"}")
            #expect(unknownModel.status == 404)
            let unknownID = try client.request(
                "POST", "/predict", body: "{\"features\": \(Self.row), \"model_id\": 999}")
            #expect(unknownID.status == 404)
            let wrongMethod = try client.request("GET", "/predict")
            #expect(wrongMethod.status == 405)
            #expect(wrongMethod.headers["allow"] == "POST")
            let many = "{\"instances\": [" + Array(repeating: Self.row, count: 1_001).joined(separator: ",") + "]}"
            #expect(try client.request("POST", "/predict", body: many).status == 413)
            #expect(try client.request("POST", "/predict", body: "[]").status == 422)
            #expect(try client.request("GET", "/nowhere").status == 404)
        }
    }

    @Test("the prediction shortcut answers exactly as the general path does, errors included")
    func shortcutMatchesGeneralPath() throws {
        let featureObjects = [
            #"{"network_ability": 0.5, "competence": -0.2}"#, #"{"competence": -0.2, "network_ability": 0.5}"#,
            #"{"network_ability": 1e-3, "competence": 12345678901234567890}"#,
            #"{"network_ability": -0.0, "competence": 1E+2}"#, #"{"network_ability": null, "competence": 1}"#,
            #"{"network_ability": "x", "competence": 1}"#, #"{"network_ability": 1}"#, "{}",
            #"{"network_ability": 1, "competence": 2, "age": 3}"#,
            #"{"network_ability": 1, "network_ability": 2, "competence": 0}"#,
            #"{"network_\u0061bility": 1, "competence": 0}"#, #"{"network_ability": true, "competence": 0}"#,
            #"{"network_ability": [1], "competence": 0}"#, #"{"network_ability": 1e400, "competence": 0}"#,
        ]
        try withServer(.sqlite) { server in
            let client = server.inProcess
            func answer(_ body: String) throws -> (Int, String) {
                let response = try client.request("POST", "/predict", body: body)
                let id = response.headers["x-request-id"] ?? ""
                return (response.status, response.body.replacingOccurrences(of: id, with: "ID"))
            }
            var statuses: Set<Int> = []
            for features in featureObjects {
                // Naming the model (after the features, so byte offsets agree) takes the general path.
                let common = try answer("{\"features\": \(features)}")
                let general = try answer("{\"features\": \(features), \"model\": \"promotion\"}")
                #expect(common.0 == general.0, "\(features)")
                #expect(common.1 == general.1, "\(features)")
                statuses.insert(common.0)
                // Naming it first takes the named shortcut: the same answer (a malformed body's
                // 400 names another offset, the name being before it).
                let named = try answer("{\"model\": \"promotion\", \"features\": \(features)}")
                #expect(named.0 == general.0, "\(features)")
                if general.0 != 400 { #expect(named.1 == general.1, "\(features)") }
            }
            #expect(statuses == [200, 400, 422])
            // A name not in production: the general path's 404, whichever comes first.
            let unknownFirst = try answer(#"{"model": "nope", "features": {"network_ability": 1, "competence": 0}}"#)
            let unknownLast = try answer(#"{"features": {"network_ability": 1, "competence": 0}, "model": "nope"}"#)
            #expect(unknownFirst.0 == 404 && unknownFirst == unknownLast)
        }
    }

    @Test("registry routes, admin auth, assign and rollback", arguments: Backend.allCases)
    func registryRoutes(backend: Backend) throws {
        try withServer(backend) { server in
            let client = try TestClient(port: server.port)
            let current = try client.request("GET", "/models/current")
            #expect(current.status == 200)
            #expect(current.json["id"] as? Int == Int(server.versions[0].id))
            #expect(current.json["feature_schema"] != nil)
            #expect(current.json["assigned_at"] != nil)
            #expect(try client.request("GET", "/models/current?name=other").status == 404)
            let list =
                try JSONSerialization.jsonObject(with: Data(try client.request("GET", "/models").body.utf8))
                as? [[String: Any]]
            #expect(list?.count == 2)
            let detail = try client.request("GET", "/models/\(server.versions[0].id)")
            #expect(
                (detail.json["coefficients"] as? [String: Double])?.keys.sorted() == ["competence", "network_ability"])
            #expect(try client.request("GET", "/models/424242").status == 404)
            #expect(try client.request("GET", "/models/abc").status == 404)

            let body = "{\"model_id\": \(server.versions[1].id)}"
            #expect(try client.request("POST", "/models/assign", body: body).status == 401)
            #expect(
                try client.request("POST", "/models/assign", body: body, headers: ["Authorization": "Bearer wrong"])
                    .status == 403)
            let assigned = try client.request("POST", "/models/assign", body: body, headers: admin)
            #expect(assigned.status == 200)
            #expect(assigned.json["from_model_id"] as? Int == Int(server.versions[0].id))
            #expect(
                try client.request("POST", "/predict", body: "{\"features\": \(Self.row)}").json["version"] as? Int == 2
            )
            let rolled = try client.request(
                "POST", "/models/rollback", body: "{\"name\": \"promotion\"}", headers: admin)
            #expect(rolled.status == 200)
            #expect(try client.request("GET", "/models/current").json["version"] as? Int == 1)
            #expect(
                try client.request("POST", "/models/assign", body: "{\"model_id\": 777}", headers: admin).status == 404)
            #expect(try client.request("GET", "/requests?limit=3", headers: admin).status == 200)
            #expect(try client.request("GET", "/requests").status == 401)
        }
    }

    @Test("training over HTTP runs off the loops and registers versions", arguments: Backend.allCases)
    func trainRoute(backend: Backend) throws {
        try withServer(backend) { server in
            let client = server.inProcess
            let spec = """
                {"name": "promotion", "kind": "logistic", "query": "SELECT network_ability, competence, promoted FROM promotion",
                 "target": "promoted", "hyperparameters": [{"C": 0.5}], "promote_if_better": "log_loss"}
                """
            let response = try client.request("POST", "/models/train", body: spec, headers: admin)
            #expect(response.status == 200, "\(response.body)")
            #expect((response.json["versions"] as? [[String: Any]])?.first?["version"] as? Int == 3)
            let bad = try client.request(
                "POST", "/models/train", body: "{\"name\": \"x\", \"kind\": \"tree\"}", headers: admin)
            #expect(bad.status == 422)
            #expect(bad.body.contains("unknown kind 'tree'"))
        }
    }

    @Test("health, readiness, metrics, openapi, docs and dashboard", arguments: Backend.allCases)
    func operations(backend: Backend) throws {
        try withServer(backend) { server in
            let client = try TestClient(port: server.port)
            #expect(try client.request("GET", "/health").json["status"] as? String == "ok")
            let ready = try client.request("GET", "/ready")
            #expect(ready.status == 200)
            #expect(ready.json["ready"] as? Bool == true)
            _ = try client.request("POST", "/predict", body: "{\"features\": \(Self.row)}")
            let metrics = try client.request("GET", "/metrics")
            #expect(metrics.headers["content-type"]?.hasPrefix("text/plain") == true)
            #expect(metrics.body.contains("modelserve_requests_total{route=\"POST /predict\",status=\"200\"} 1"))
            #expect(metrics.body.contains("modelserve_request_duration_seconds_bucket{le=\"+Inf\"}"))
            #expect(metrics.body.contains("modelserve_request_log_queue_depth"))
            #expect(metrics.body.contains("modelserve_production_model{name=\"promotion\",version=\"1\"}"))
            #expect(try client.request("GET", "/docs").body.contains("POST</code></td><td><code>/predict"))
            #expect(try client.request("GET", "/").body.contains("In production"))
        }
    }

    @Test("the OpenAPI document lists exactly the routes the router serves")
    func openAPIMatchesRouter() throws {
        try withServer(.sqlite) { server in
            let client = server.inProcess
            let document = try client.request("GET", "/openapi.json").json
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            var documented: Set<String> = []
            for (path, operations) in paths {
                for method in operations.keys { documented.insert("\(method.uppercased()) \(path)") }
            }
            // Every documented route answers something other than "no route" (404 for unknown paths
            // has the code not_found with "no route" in the message).
            for entry in documented.sorted() {
                let parts = entry.split(separator: " ")
                let path = String(parts[1]).replacingOccurrences(of: "{id}", with: String(server.versions[0].id))
                let response = try client.request(String(parts[0]), path, body: parts[0] == "POST" ? "{}" : nil)
                #expect(!response.body.contains("no route"), "\(entry) is documented but not served")
            }
            // And the served routes are the documented ones.
            let expected: Set<String> = [
                "POST /predict", "POST /similar", "GET /models/current", "GET /models", "GET /models/{id}",
                "POST /models/assign",
                "POST /models/rollback", "POST /models/train", "GET /models/train/jobs", "GET /models/train/jobs/{id}",
                "GET /requests", "GET /health", "GET /ready",
                "GET /metrics",
                "GET /openapi.json", "GET /docs", "GET /", "GET /runs", "GET /runs/{id}", "GET /runs/{id}/checkpoints",
                "POST /feedback", "GET /models/{id}/monitoring", "GET /models/{id}/drift", "POST /models/traffic",
                "GET /models/traffic", "POST /profiles", "GET /profiles/{id}",
            ]
            #expect(documented == expected)
        }
    }
}
