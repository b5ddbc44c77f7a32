import Foundation
import Registry
import Storage
import TestSupport
import Testing

@Suite("retrain on fresh data")
struct RetrainTests {
    static let spec = """
        name: price
        kind: linear
        query: SELECT carat, cut, price FROM diamonds
        target: price
        hyperparameters:
          - {method: ols}
        """

    @Test(
        "nothing when the data is the same; new versions when it changed, promoted only if better, with why",
        arguments: Backend.allCases)
    func retrain(backend: Backend) throws {
        let (url, cleanup) = try TestDatabase.makeURL(backend)
        defer { cleanup() }
        let folder = temporaryPath()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let env = ["DATABASE_URL": url]
        func run(_ arguments: [String], status: Int32 = 0) throws -> ModelServeBinary.Result {
            let result = try ModelServeBinary.run(arguments, environment: env)
            #expect(result.status == status, "\(arguments.joined(separator: " ")): \(result.stderr)")
            return result
        }
        let specPath = "\(folder)/price.yaml"
        try Self.spec.write(toFile: specPath, atomically: true, encoding: .utf8)
        _ = try run(["generate", "diamonds", "--out", folder, "--rows", "400"])
        _ = try run(["load", "\(folder)/diamonds.csv", "--table", "diamonds"])
        _ = try run(["train", "--spec", specPath, "--promote"])
        let database = try openDatabase(url)
        defer { database.close() }
        let registry = ModelRegistry(database)
        let v1 = try #require(try registry.latest(name: "price"))
        #expect(v1.provenance?.reason == .manual)

        // The same data: said so, nothing registered.
        let same = try run(["retrain", "--spec", specPath, "--promote-if-better", "rmse"])
        #expect(same.stdout.contains("price: data unchanged since version 1 (400 rows"), "\(same.stdout)")
        #expect(try registry.list(name: "price").count == 1)

        // Fresh rows appended: a new version, trained because the data changed since v1.
        _ = try run(["generate", "diamonds", "--out", "\(folder)/more", "--rows", "200", "--seed", "99"])
        _ = try run(["load", "\(folder)/more/diamonds.csv", "--table", "diamonds", "--append"])
        let fresh = try run(["retrain", "--spec", specPath, "--promote-if-better", "rmse"])
        #expect(fresh.stdout.contains("trained 1 version on 600 rows"), "\(fresh.stdout)")
        let v2 = try #require(try registry.latest(name: "price"))
        #expect(v2.version == 2)
        let why = try #require(v2.provenance)
        #expect(why.reason == .dataChanged && why.previousVersion == 1)
        #expect(why.previousFingerprint == v1.dataFingerprint && v2.dataFingerprint != v1.dataFingerprint)
        let verdict = try #require(why.comparison)
        let (rmse1, rmse2) = (try #require(v1.metrics.heldOut["rmse"]), try #require(v2.metrics.heldOut["rmse"]))
        #expect(verdict.metric == "rmse" && verdict.value == rmse2)
        #expect(verdict.productionModelID == v1.id && verdict.productionValue == rmse1)
        #expect(verdict.promoted == (rmse2 < rmse1), "\(rmse2) vs \(rmse1)")
        #expect(try registry.productionID(name: "price") == (rmse2 < rmse1 ? v2.id : v1.id))
        let production = try #require(try registry.production(name: "price")).record

        // Prices tripled on half the rows: a worse fit, kept out of production.
        _ = try database.execute("UPDATE diamonds SET price = price * 3 WHERE carat > 0.7")
        let worse = try run(["retrain", "--spec", specPath, "--promote-if-better", "rmse"])
        #expect(worse.stdout.contains("not promoted: best new rmse"), "\(worse.stdout)")
        let v3 = try #require(try registry.latest(name: "price"))
        #expect(v3.version == 3 && v3.provenance?.previousVersion == 2)
        #expect(v3.provenance?.comparison?.promoted == false)
        #expect(v3.provenance?.comparison?.productionModelID == production.id)
        #expect(try registry.productionID(name: "price") == production.id)
        let shown = try run(["models", "show", String(v3.id)]).stdout
        #expect(
            shown.contains(
                "trained because: the data changed since version 2 (fingerprint \(v2.dataFingerprint!.prefix(12)))"),
            "\(shown)")
        #expect(shown.contains("compared:        not promoted: best new rmse"), "\(shown)")
        let listed = try #require(
            try JSONSerialization.jsonObject(with: Data(try run(["models", "list", "--json"]).stdout.utf8))
                as? [[String: Any]])
        let entry = try #require(listed.first { $0["version"] as? Int == 3 })
        #expect((entry["provenance"] as? [String: Any])?["reason"] as? String == "data_changed", "\(entry)")

        // --force trains on the same data, as a scheduled retrain.
        _ = try run(["retrain", "--spec", specPath, "--force"])
        let v4 = try #require(try registry.latest(name: "price"))
        #expect(v4.version == 4 && v4.provenance?.reason == .schedule && v4.dataFingerprint == v3.dataFingerprint)
        #expect(try run(["retrain", "--spec", specPath, "--every", "soon"], status: 64).stderr.contains("--every"))
    }

    @Test("--every repeats until SIGTERM, and stops cleanly between runs")
    func every() throws {
        let (url, cleanup) = try TestDatabase.makeURL(.sqlite)
        defer { cleanup() }
        let folder = temporaryPath()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let env = ["DATABASE_URL": url]
        let specPath = "\(folder)/price.yaml"
        try Self.spec.write(toFile: specPath, atomically: true, encoding: .utf8)
        for arguments in [
            ["generate", "diamonds", "--out", folder, "--rows", "300"],
            ["load", "\(folder)/diamonds.csv", "--table", "diamonds"],
            ["train", "--spec", specPath],
        ] {
            #expect(try ModelServeBinary.run(arguments, environment: env).status == 0)
        }
        let retrain = try ModelServeBinary.Running(
            ["retrain", "--spec", specPath, "--every", "0.2s"], environment: env)
        // Two runs' lines, then the signal.
        let unchanged = "data unchanged since version 1"
        #expect(retrain.wait { $0.components(separatedBy: unchanged).count >= 3 }, "\(retrain.stdout)")
        let status = retrain.finish()
        #expect(status == 0, "\(retrain.stderr)")
        #expect(retrain.stdout.components(separatedBy: unchanged).count >= 3, "\(retrain.stdout)")
        #expect(retrain.stderr.contains("stopped"))
    }
}
