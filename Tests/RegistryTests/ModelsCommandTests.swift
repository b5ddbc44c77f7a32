import Foundation
import Registry
import TestSupport
import Testing

@Suite("train and models commands")
struct ModelsCommandTests {
    @Test(
        "every models subcommand has help with --database",
        arguments: [
            "list", "show", "card", "assign", "current", "rollback", "export", "import", "compare",
        ])
    func help(subcommand: String) throws {
        let result = try ModelServeBinary.run(["models", subcommand, "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE: modelserve models \(subcommand)"))
        #expect(result.stdout.contains("--database <url>"))
    }

    @Test("train with flags, list as JSON, show as JSON, assign, current, rollback", arguments: Backend.allCases)
    func flow(backend: Backend) throws {
        let (url, cleanup) = try TestDatabase.makeURL(backend)
        defer { cleanup() }
        let folder = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let env = ["DATABASE_URL": url]
        func run(_ arguments: [String]) throws -> ModelServeBinary.Result {
            let result = try ModelServeBinary.run(arguments, environment: env)
            #expect(result.status == 0, "\(arguments.joined(separator: " ")): \(result.stderr)")
            return result
        }
        _ = try run(["generate", "diamonds", "--out", folder, "--rows", "400"])
        _ = try run(["load", "\(folder)/diamonds.csv", "--table", "diamonds"])
        let trained = try run([
            "train", "--name", "price", "--kind", "linear", "--query", "SELECT carat, cut, price FROM diamonds",
            "--target", "price", "--param", "method=ols,ridge", "--param", "target_transform=log", "--promote",
        ])
        #expect(trained.stdout.contains("trained 2 versions of price on 400 rows"))
        #expect(trained.stdout.contains("promoted version"))

        let list =
            try JSONSerialization.jsonObject(with: Data(try run(["models", "list", "--json"]).stdout.utf8))
            as? [[String: Any]]
        #expect(list?.count == 2)
        #expect(Set(list?.compactMap { $0["version"] as? Int } ?? []) == [1, 2])
        #expect(list?.filter { $0["production"] as? Bool == true }.count == 1)
        let first = try #require(list?.first)
        for key in ["id", "name", "version", "kind", "hyperparameters", "metrics", "created_at", "production"] {
            #expect(first[key] != nil, "list --json lacks \(key)")
        }

        let show =
            try JSONSerialization.jsonObject(with: Data(try run(["models", "show", "1", "--json"]).stdout.utf8))
            as? [String: Any]
        let coefficients = try #require(show?["coefficients"] as? [String: Double])
        #expect(coefficients["carat"] != nil)
        #expect(coefficients.keys.contains { $0.hasPrefix("cut=") })
        let text = try run(["models", "show", "1"]).stdout
        #expect(text.contains("P>|t|"))  // the OLS inference table

        _ = try run(["models", "assign", "1"])
        let current =
            try JSONSerialization.jsonObject(
                with: Data(try run(["models", "current", "--name", "price", "--json"]).stdout.utf8)) as? [String: Any]
        #expect(current?["id"] as? Int == 1)
        #expect(current?["feature_schema"] != nil)
        let rolled = try run(["models", "rollback", "price"])
        #expect(rolled.stdout.contains("price: production is now version"))
        #expect(try run(["models", "compare", "1", "2"]).stdout.contains("coefficients:"))

        let exported = try run(["models", "export", "1"]).stdout
        let exportPath = "\(folder)/price.json"
        try exported.write(toFile: exportPath, atomically: true, encoding: .utf8)
        #expect(try run(["models", "import", exportPath]).stdout.contains("imported as price version 3"))
    }

    @Test("errors are one clear line and exit status 1")
    func errors() throws {
        let (url, cleanup) = try TestDatabase.makeURL(.sqlite)
        defer { cleanup() }
        let env = ["DATABASE_URL": url]
        let assign = try ModelServeBinary.run(["models", "assign", "99"], environment: env)
        #expect(assign.status == 1)
        #expect(assign.stderr == "error: no model with id 99\n")
        let spec = try temporaryFile(
            "name: x\nkind: logistic\nquery: SELECT 1\ntarget: y\nsplit: {seed: -1}\n", suffix: ".yaml")
        defer { try? FileManager.default.removeItem(atPath: spec) }
        let bad = try ModelServeBinary.run(["train", "--spec", spec], environment: env)
        #expect(bad.status == 1)
        #expect(bad.stderr == "error: \(spec):5: split.seed: must be a whole number >= 0\n")
        let missing = try ModelServeBinary.run(["train", "--name", "x"], environment: env)
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("--kind is required without --spec"))
    }
}
