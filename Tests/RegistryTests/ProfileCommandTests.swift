import Foundation
import Learning
import Registry
import Storage
import TestSupport
import Testing

@Suite("profile and models card commands")
struct ProfileCommandTests {
    @Test(
        "profile prints, saves and draws what the library computes; train refuses suspicious rows; models card draws the page"
    )
    func commands() throws {
        let folder = temporaryPath()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let url = "sqlite:\(folder)/p.sqlite"
        let env = ["DATABASE_URL": url]
        func run(_ arguments: [String], status: Int32 = 0) throws -> ModelServeBinary.Result {
            let result = try ModelServeBinary.run(arguments, environment: env)
            #expect(result.status == status, "\(arguments.joined(separator: " ")): \(result.stderr)")
            return result
        }
        _ = try run(["generate", "diamonds-raw", "--out", folder])
        _ = try run(["load", "\(folder)/diamonds_raw.csv", "--table", "diamonds_raw"])
        let query = "SELECT * FROM diamonds_raw"
        let json = try run(["profile", "--query", query, "--target", "price", "--json"])
        let database = try openDatabase(url, maxConnections: 1)
        defer { database.close() }
        let direct = try QueryProfiler.profile(database, query: query, target: "price")
        #expect(json.stdout.trimmingCharacters(in: .newlines) == (try ModelDocuments.json(direct, pretty: true)))

        let text = try run(["profile", "--query", query, "--target", "price", "--save", "--html", "\(folder)/p.html"])
        #expect(text.stdout.hasPrefix("5,001 rows × 10 columns · 1 duplicate row · pairwise figures on every row"))
        #expect(text.stdout.contains("[sentinel] 10 rows have price = -1, a value"))
        #expect(text.stdout.contains("  [isolated_zeros] 7 rows have z = 0"))
        #expect(text.stdout.contains("with price"))
        #expect(text.stderr.contains("saved as profile 1"))
        let saved = try DataProfiles(database).profile(id: 1)
        #expect(saved.profile == direct && saved.query == query && saved.target == "price")
        let page = try Chromium.dumpDOM("file://\(folder)/p.html")
        #expect(page.contains("data-loaded=\"yes\"") && page.contains("10 rows have price = -1"))
        #expect(page.contains(query), "the query is the page's own, written by its owner")

        let spec = "\(folder)/gems.yaml"
        try """
        name: gems
        query: SELECT carat, x, y, z, price FROM diamonds_raw
        target: price
        kind: linear
        on_suspicious: fail

        """.write(toFile: spec, atomically: true, encoding: .utf8)
        let refused = try run(["train", "--spec", spec], status: 1)
        #expect(refused.stderr.hasPrefix("error: on_suspicious is fail and the rows have"), "\(refused.stderr)")
        #expect(refused.stderr.contains("10 rows have price = -1"))
        #expect(try database.query("SELECT COUNT(*) FROM models")[0][0].int64 == 0)

        try String(contentsOfFile: spec, encoding: .utf8).replacingOccurrences(of: "fail", with: "drop")
            .appending("description: Size to price\n").write(toFile: spec, atomically: true, encoding: .utf8)
        let trained = try run(["train", "--spec", spec])
        #expect(
            trained.stdout.contains("rows read: 5,001; dropped 1 duplicate and 18 suspicious rows"), "\(trained.stdout)"
        )
        #expect(trained.stdout.contains("suspicious values (on_suspicious: drop, rows dropped):"))
        let shown = try run(["models", "show", "1"])
        #expect(shown.stdout.contains("description:     Size to price"))
        let card = try run(["models", "card", "1", "--html", "\(folder)/card.html"])
        #expect(card.stdout.hasPrefix("wrote \(folder)/card.html: gems version 1"))
        let dom = try Chromium.dumpDOM("file://\(folder)/card.html")
        #expect(dom.contains("data-loaded=\"yes\"") && dom.contains("Size to price"))
        #expect(dom.contains("18 suspicious rows were dropped before fitting"))
        #expect(try run(["models", "card", "7"], status: 1).stderr.contains("no model with id 7"))
    }
}
