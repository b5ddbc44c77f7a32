import Foundation
import Storage
import TestSupport
import Testing

/// `POST /similar` and `modelserve similar` over a real server and database: the rows of
/// the production version's training data sharing the match columns, nearest first.
@Suite("Similar samples over HTTP and the CLI", .serialized)
struct SimilarTests {
    @Test(
        "POST /similar answers n training rows of the same group, nearest first; bad input is a 422",
        arguments: Backend.allCases)
    func similar(backend: Backend) throws {
        let (url, cleanup) = try TestDatabase.makeURL(backend)
        defer { cleanup() }
        let folder = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let env = ["DATABASE_URL": url, "MODELSERVE_ADMIN_TOKEN": "similar-test-token-0123"]
        let spec = """
            name: gems
            kind: linear
            query: SELECT carat, cut, color, clarity, price FROM diamonds
            target: price
            split: {test_fraction: 0.2, seed: 3}
            hyperparameters: [{method: ols, target_transform: log}]
            similar: {match: [cut, color, clarity], nearest: [carat]}
            """
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try spec.write(toFile: "\(folder)/gems.yaml", atomically: true, encoding: .utf8)
        for step in [
            ["migrate"], ["generate", "diamonds", "--out", folder, "--rows", "1500"],
            ["load", "\(folder)/diamonds.csv", "--table", "diamonds"],
            ["train", "--spec", "\(folder)/gems.yaml", "--promote"],
            [
                "train", "--name", "plain", "--kind", "linear", "--query", "SELECT carat, price FROM diamonds",
                "--target", "price", "--promote",
            ],
        ] {
            let result = try ModelServeBinary.run(step, environment: env)
            #expect(result.status == 0, "\(step.joined(separator: " ")): \(result.stderr)")
        }
        let serve = try ServeProcess(arguments: ["--threads", "2", "--journal", "\(folder)/journal"], environment: env)
        let client = try TestClient(port: serve.port)
        let query = "\"features\": {\"carat\": 0.9, \"cut\": \"Ideal\", \"color\": \"G\", \"clarity\": \"VS2\"}"
        let answer = try client.request("POST", "/similar", body: "{\"model\": \"gems\", \"n\": 4, \(query)}")
        #expect(answer.status == 200, "\(answer.body)")
        let rows = try #require(answer.json["rows"] as? [[String: Any]])
        #expect(rows.count == 4)
        #expect(
            rows.allSatisfy {
                $0["cut"] as? String == "Ideal" && $0["color"] as? String == "G" && $0["clarity"] as? String == "VS2"
            })
        let distances = rows.compactMap { $0["distance"] as? Double }
        #expect(distances == distances.sorted())
        #expect(zip(rows, distances).allSatisfy { abs(abs(($0.0["carat"] as? Double ?? .nan) - 0.9) - $0.1) < 1e-9 })
        #expect(rows.allSatisfy { $0["price"] is Double })
        #expect(answer.json["name"] as? String == "gems" && answer.json["version"] as? Int == 1)

        // The rows are the version's training rows: the database changing does not change them.
        let database = try openDatabase(url, maxConnections: 1)
        defer { database.close() }
        _ = try database.execute("DELETE FROM diamonds")
        let again = try client.request("POST", "/similar", body: "{\"model\": \"gems\", \"n\": 4, \(query)}")
        #expect(
            again.body
                == answer.body.replacingOccurrences(
                    of: answer.json["request_id"] as? String ?? "", with: again.json["request_id"] as? String ?? ""))

        // The CLI answers the same rows.
        let cli = try ModelServeBinary.run(
            [
                "similar", "--model", "gems", "-n", "4", "--json", "--features",
                "{\"carat\": 0.9, \"cut\": \"Ideal\", \"color\": \"G\", \"clarity\": \"VS2\"}",
            ], environment: env)
        #expect(cli.status == 0, "\(cli.stderr)")
        let cliRows = try #require(try JSONSerialization.jsonObject(with: Data(cli.stdout.utf8)) as? [[String: Any]])
        #expect(cliRows.compactMap { $0["distance"] as? Double } == distances)
        #expect(cliRows.compactMap { $0["price"] as? Double } == rows.compactMap { $0["price"] as? Double })

        // An unseen group: an empty list and a note. Bad input: 422 naming it. No samples: 404.
        let unseen = try client.request(
            "POST", "/similar",
            body:
                "{\"model\": \"gems\", \"features\": {\"carat\": 1, \"cut\": \"Nope\", \"color\": \"G\", \"clarity\": \"VS2\"}}"
        )
        #expect(unseen.status == 200 && (unseen.json["rows"] as? [Any])?.isEmpty == true && unseen.json["note"] != nil)
        let missing = try client.request(
            "POST", "/similar", body: "{\"model\": \"gems\", \"features\": {\"cut\": \"Ideal\"}}")
        #expect(missing.status == 422)
        let details = (missing.json["error"] as? [String: Any])?["details"] as? [String: String]
        #expect(Set(details?.keys.map { $0 } ?? []) == ["features.carat", "features.color", "features.clarity"])
        let badN = try client.request("POST", "/similar", body: "{\"model\": \"gems\", \"n\": 0, \(query)}")
        #expect(badN.status == 422)
        let plain = try client.request("POST", "/similar", body: "{\"model\": \"plain\", \(query)}")
        #expect(plain.status == 404, "\(plain.body)")
        #expect(serve.terminate().status == 0)
        // Every answered request is in the log.
        #expect(try database.query("SELECT count(*) FROM request_log WHERE path = '/similar'")[0][0] == .integer(6))
    }
}
