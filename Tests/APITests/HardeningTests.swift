import API
import Foundation
import Storage
import TestSupport
import Testing

/// What an attacker or an unlucky operator can send, over real sockets and databases.
@Suite("Hardening: bad input and faults", .serialized)
struct HardeningTests {
    let admin = ["Authorization": "Bearer \(APITestServer.token)"]
    static let row = "{\"network_ability\": 0.5, \"competence\": -0.2}"

    func withServer(_ backend: Backend, _ body: (APITestServer, String) throws -> Void) throws {
        let (url, cleanup) = try TestDatabase.makeURL(backend)
        defer { cleanup() }
        let server = try APITestServer(url: url)
        defer { server.stop() }
        try body(server, url)
    }

    @Test("two Authorization headers are a 400, whichever of them is right")
    func duplicateAuthorization() throws {
        try withServer(.sqlite) { server, _ in
            let client = try TestClient(port: server.port)
            let id = server.versions[0].id
            let raw =
                "POST /models/assign HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer wrong-token-value\r\n"
                + "Authorization: Bearer \(APITestServer.token)\r\nContent-Length: \(#"{"model_id": \#(id)}"#.utf8.count)\r\n\r\n"
                + #"{"model_id": \#(id)}"#
            try client.send(raw)
            let response = try client.readResponse()
            #expect(response.status == 400)
            #expect(response.body.contains("one Authorization header"))
        }
    }

    @Test(
        "a repeated JSON key is a 400 on the fast path and the general one",
        arguments: [
            #"{"features": {"network_ability": 0.5, "network_ability": 0.9, "competence": 1}}"#,
            #"{"features": {"network_ability": 0.5, "competence": 1}, "features": {"network_ability": 1, "competence": 2}}"#,
            #"{"instances": [{"competence": 1, "network_ability": 2, "competence": 3}]}"#,
        ])
    func duplicateKeys(body: String) throws {
        try withServer(.sqlite) { server, _ in
            let client = server.inProcess
            let response = try client.request("POST", "/predict", body: body)
            #expect(response.status == 400, "\(response.body)")
            #expect(response.body.contains("duplicate key"))
        }
    }

    @Test("a model's training query is shown only to admin callers")
    func trainingQueryIsAdminOnly() throws {
        try withServer(.sqlite) { server, _ in
            let client = server.inProcess
            let id = server.versions[0].id
            let anonymous = try client.request("GET", "/models/\(id)")
            #expect(anonymous.status == 200)
            #expect(anonymous.json["training_query"] == nil)
            #expect(!anonymous.body.contains("FROM promotion"))
            let withToken = try client.request("GET", "/models/\(id)", headers: admin)
            #expect((withToken.json["training_query"] as? String)?.contains("FROM promotion") == true)
        }
    }

    @Test("the dashboard costs no scan of request_log: it answers while the table is locked")
    func dashboardReadsNoLogTable() throws {
        try withServer(.postgres) { server, url in
            let locker = try openDatabase(url, maxConnections: 1)
            defer { locker.close() }
            let client = server.inProcess
            _ = try client.request("POST", "/predict", body: "{\"features\": \(Self.row)}")
            try locker.withConnection { connection in
                try connection.begin(readOnly: false)
                try connection.execute("LOCK TABLE request_log IN ACCESS EXCLUSIVE MODE", [])
                let page = try client.request("GET", "/")
                #expect(page.status == 200)
                #expect(page.body.contains("requests logged"))
                try connection.rollback()
            }
        }
    }

    @Test("serve refuses an admin token shorter than 16 characters")
    func shortToken() throws {
        let result = try ModelServeBinary.run(
            ["serve", "--port", "0", "--database", "sqlite:/nonexistent/never-opened.sqlite"],
            environment: ["MODELSERVE_ADMIN_TOKEN": "short-token"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("MODELSERVE_ADMIN_TOKEN has 11 characters; use at least 16"))
    }
}
