import API
import Foundation
import HTTPServer
import Registry
import Storage
import Synchronization
import TestSupport
import Testing

/// The router's shape: where each route runs, how errors render, what a full lane does.
@Suite("Routes: placement, errors, lanes", .serialized)
struct RouterTests {
    let admin = ["Authorization": "Bearer \(APITestServer.token)"]
    static let row = "{\"network_ability\": 0.5, \"competence\": -0.2}"

    func withServer(
        _ backend: Backend, threads: Int = 2, _ body: (APITestServer, String) throws -> Void
    ) throws {
        let (url, cleanup) = try TestDatabase.makeURL(backend)
        defer { cleanup() }
        let server = try APITestServer(url: url, threads: threads)
        defer { server.stop() }
        try body(server, url)
    }

    static func request(_ method: String, _ target: String, body: String = "", headers: [String: String] = [:])
        -> HTTPRequest
    {
        HTTPRequest(
            method: method, target: target, headers: headers.map { (name: $0.key, value: $0.value) },
            body: Array(body.utf8))
    }

    /// What `dispatch` decided, and the answer (running the off-loop work here).
    static func dispatched(_ api: API, _ request: HTTPRequest) -> (onLoop: Bool, response: HTTPResponse) {
        switch api.dispatch(request) {
        case .answer(let response): (true, response)
        case .offLoop(_, let work): (false, work(nil))
        }
    }

    @Test("only routes that answer from memory run on the event loop; everything that reads the database is off it")
    func placement() throws {
        try withServer(.sqlite) { server, _ in
            var onLoop: Set<String> = []
            for route in server.api.routeTable {
                let path = route.path.replacingOccurrences(of: "{id}", with: String(server.versions[0].id))
                let body = route.method == "POST" ? "{}" : ""
                let (loop, response) = Self.dispatched(
                    server.api, Self.request(route.method, path, body: body, headers: admin))
                #expect(response.status != 500, "\(route.method) \(route.path)")
                if loop { onLoop.insert("\(route.method) \(route.path)") }
            }
            #expect(
                onLoop == [
                    "POST /predict", "POST /similar", "GET /health", "GET /metrics", "GET /openapi.json", "GET /docs",
                ])
            // A version that is not in memory yet is read from the database: off the loop, once.
            let byID = "{\"features\": \(Self.row), \"model_id\": \(server.versions[1].id)}"
            let first = Self.dispatched(server.api, Self.request("POST", "/predict", body: byID))
            #expect(!first.onLoop)
            #expect(first.response.status == 200)
            let again = Self.dispatched(server.api, Self.request("POST", "/predict", body: byID))
            #expect(again.onLoop)
            let probabilities = try [first, again].map { try JSONReader.parse($0.response.body)["probability"] }
            #expect(probabilities[0] != nil)
            #expect(probabilities[0] == probabilities[1])
            // An admin route without the token is refused on the loop, without taking a worker.
            let refused = Self.dispatched(server.api, Self.request("POST", "/models/train", body: "{}"))
            #expect(refused.onLoop)
            #expect(refused.response.status == 401)
        }
    }

    @Test("an error no layer knows is a 500 naming the request id; its details reach only the server log")
    func unknownErrorIsLoggedNotShown() throws {
        try withServer(.sqlite) { server, _ in
            let logged = Mutex<[String]>([])
            var configuration = APIConfiguration(adminToken: APITestServer.token)
            configuration.onError = { line in logged.withLock { $0.append(line) } }
            let api = API(configuration: configuration, database: server.database, store: server.store, log: server.log)
            try server.database.execute("ALTER TABLE models RENAME TO models_elsewhere")
            let client = InProcessClient(api: api)
            let response = try client.request("GET", "/models")
            #expect(response.status == 500)
            let requestID = try #require(response.headers["x-request-id"])
            let error = response.json["error"] as? [String: Any]
            #expect(error?["code"] as? String == "internal_error")
            #expect((error?["message"] as? String)?.contains(requestID) == true)
            #expect(
                !response.body.contains("models"), "the driver's message must not reach the client: \(response.body)")
            let lines = logged.withLock { $0 }
            #expect(lines.count == 1)
            #expect(lines.first?.hasPrefix("request \(requestID): ") == true)
            #expect(lines.first?.contains("no such table: models") == true)
            // An admin is told the database's message (for training, it is about their own SQL).
            #expect(try client.request("GET", "/models", headers: admin).status == 422)
            try server.database.execute("ALTER TABLE models_elsewhere RENAME TO models")
        }
    }

    @Test(
        "while the registry is locked, its routes wait on workers and the loops keep answering; a full training lane is a logged 503"
    )
    func lockedDatabase() throws {
        try withServer(.postgres, threads: 1) { server, url in
            let locker = try openDatabase(url, maxConnections: 1)
            defer { locker.close() }
            try locker.withConnection { connection in
                try connection.begin(readOnly: false)
                try connection.execute("LOCK TABLE models, production_model, promotion IN ACCESS EXCLUSIVE MODE", [])
                // One loop thread: if any of these ran on it, the requests after would wait too.
                let waiting = try TestClient(port: server.port, timeout: 20)
                try waiting.send("GET /models/current HTTP/1.1\r\nHost: t\r\n\r\n")
                let trainings = try (0..<2).map { _ in try TestClient(port: server.port, timeout: 20) }
                let spec = """
                    {"name": "promotion", "kind": "logistic", "target": "promoted",
                     "query": "SELECT network_ability, competence, promoted FROM promotion"}
                    """
                let train =
                    "POST /models/train HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(APITestServer.token)\r\n"
                    + "Content-Length: \(spec.utf8.count)\r\n\r\n\(spec)"
                for client in trainings { try client.send(train) }
                let other = try TestClient(port: server.port, timeout: 5)
                let predicted = try other.request("POST", "/predict", body: "{\"features\": \(Self.row)}")
                #expect(predicted.status == 200)
                #expect(try other.request("GET", "/health").status == 200)
                // Both training slots are taken by the two waiting requests (the lane counts them as
                // soon as they are dispatched), so a third is refused at once, in the API's shape.
                var refused = try other.request("POST", "/models/train", body: spec, headers: admin)
                for _ in 0..<200 where refused.status != 503 {
                    refused = try other.request("POST", "/models/train", body: spec, headers: admin)
                }
                #expect(refused.status == 503)
                #expect(refused.headers["retry-after"] == "1")
                let error = refused.json["error"] as? [String: Any]
                #expect(error?["code"] as? String == "busy")
                #expect((error?["message"] as? String)?.contains("POST /models/train") == true)
                let metrics = try other.request("GET", "/metrics").body
                #expect(metrics.contains("modelserve_route_queue_depth{route=\"POST /models/train\"} 2"))
                #expect(metrics.contains("modelserve_route_queue_depth{route=\"GET /models/current\"} 1"))
                try connection.rollback()
                #expect(try waiting.readResponse().status == 200)
                for client in trainings { #expect(try client.readResponse().status == 200) }
                server.log.shutdown()
                let id = try #require(refused.headers["x-request-id"])
                let rows = try RequestLogStore(server.database).latest(limit: 1, requestID: id)
                #expect(rows.first?.status == 503)
            }
        }
    }
}
