import API
import Foundation
import Learning
import Registry
import Storage
import TestSupport
import Testing

/// Training and served rows with one shifted feature, and numpy/scipy's drift figures,
/// written by scripts/reference/make_drift_fixtures.py.
struct DriftFixture: Decodable {
    struct Row: Decodable {
        let x, z: Double
        let c: String
        let t: Double?
    }
    struct Expected: Decodable {
        let psi: Double
        let ks: Double?
        let unknownRate: Double?
    }
    let training: [Row]
    let served: [Row]
    let expected: [String: Expected]

    static func load() throws -> DriftFixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Fixtures/drift.json")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(DriftFixture.self, from: Data(contentsOf: url))
    }
}

@Suite("Drift against the training profile", .serialized)
struct DriftTests {
    @Test(
        "a shifted feature in served traffic is major drift (PSI and KS as numpy and scipy), the others stable",
        arguments: Backend.allCases)
    func shifted(_ backend: Backend) throws {
        let fixture = try DriftFixture.load()
        let (url, cleanup) = try TestDatabase.makeURL(backend)
        defer { cleanup() }
        let server = try APITestServer(url: url)
        defer { server.stop() }
        let csv = temporaryPath(suffix: ".csv")
        defer { try? FileManager.default.removeItem(atPath: csv) }
        try ("x,z,c,t\n" + fixture.training.map { "\($0.x),\($0.z),\($0.c),\($0.t!)" }.joined(separator: "\n"))
            .write(toFile: csv, atomically: true, encoding: .utf8)
        _ = try CSVLoader(path: csv, table: "drifting").load(into: server.database)
        var spec = TrainingSpec(name: "drifting", kind: .linear, query: "SELECT x, z, c, t FROM drifting", target: "t")
        spec.features = FeatureSchema(numeric: ["x", "z"], categorical: ["c"])
        spec.split.testFraction = 0
        let trained = try Trainer(registry: server.registry).train(spec)
        let id = try #require(trained.versions.first?.id)
        try server.registry.assign(id: id, by: "test")
        try server.store.refresh()
        let client = server.inProcess
        // Before any traffic: every feature has no data to compare.
        let empty = try client.request("GET", "/models/\(id)/drift")
        #expect(empty.status == 200, "\(empty.body)")
        #expect((empty.json["features"] as? [[String: Any]])?.allSatisfy { $0["flag"] as? String == "no_data" } == true)
        // Served: 400 single predictions and two batches of 100.
        func row(_ r: DriftFixture.Row) -> String { #"{"x": \#(r.x), "z": \#(r.z), "c": "\#(r.c)"}"# }
        for r in fixture.served.prefix(400) {
            #expect(
                try client.request("POST", "/predict", body: #"{"model": "drifting", "features": \#(row(r))}"#).status
                    == 200)
        }
        for start in [400, 500] {
            let batch = fixture.served[start..<start + 100].map(row).joined(separator: ",")
            #expect(
                try client.request("POST", "/predict", body: #"{"model": "drifting", "instances": [\#(batch)]}"#).status
                    == 200)
        }
        try server.waitUntilLogged(403)  // the first drift request and 402 predictions
        let answer = try client.request("GET", "/models/\(id)/drift?window=1h")
        #expect(answer.status == 200, "\(answer.body)")
        #expect(answer.json["requests"] as? Int == 402 && answer.json["rows"] as? Int == 600)
        #expect(answer.json["training_rows"] as? Int == 800)
        let features = try #require(answer.json["features"] as? [[String: Any]])
        let byName = Dictionary(
            uniqueKeysWithValues: features.compactMap { f in (f["feature"] as? String).map { ($0, f) } })
        for (name, expected) in fixture.expected {
            let got = try #require(byName[name], "no drift for \(name)")
            let psi = try #require(got["psi"] as? Double)
            #expect(abs(psi - expected.psi) <= 1e-9 * max(1, expected.psi), "\(name) PSI \(psi) vs \(expected.psi)")
            if let ks = expected.ks { #expect(abs((got["ks"] as? Double ?? .nan) - ks) < 1e-12, "\(name) KS") }
            if let unknown = expected.unknownRate {
                #expect(abs((got["unknown_rate"] as? Double ?? .nan) - unknown) < 1e-12, "\(name) unknown rate")
            }
        }
        #expect(byName["x"]?["flag"] as? String == "major")
        #expect(byName["z"]?["flag"] as? String == "stable")
        #expect(byName["c"]?["flag"] as? String == "stable")
        // The monitoring page shows the drift as bars, coloured by flag; the dashboard charts the history.
        let dom = try Chromium.dumpDOM("http://127.0.0.1:\(server.port)/models/\(id)/monitoring")
        #expect(dom.contains("data-bars=\"3\""), "\(dom.prefix(400))")
        #expect(dom.contains("x (major)") && dom.contains("z (stable)") && dom.contains("fill=\"#dc2626\""))
        let dashboard = try Chromium.dumpDOM("http://127.0.0.1:\(server.port)/")
        #expect(dashboard.contains("data-loaded=\"yes\""))
        #expect(
            dashboard.matches(of: /class="dot"/).count >= 4,
            "a dot per version of promotion and drifting, and production's")
        #expect(dashboard.contains("href=\"/models/\(id)/monitoring\""))
        #expect(try client.request("GET", "/models/\(id)/drift?window=never").status == 400)
        #expect(try client.request("GET", "/models/999/drift").status == 404)
    }
}
