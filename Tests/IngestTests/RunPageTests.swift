import Foundation
import Ingest
import Registry
import Storage
import TestSupport
import Testing

/// The runs API and the convergence page, served by `modelserve serve` over a real socket
/// and rendered by a real browser (Debian's headless Chromium).
@Suite("Runs API and convergence page", .serialized)
struct RunPageTests {
    static let token = "runs-test-token-0123456"

    /// `modelserve serve` on the registry, with its own journal.
    static func serve(_ url: String) throws -> Served {
        let journal = temporaryPath(suffix: ".journal")
        return Served(
            process: try ServeProcess(
                arguments: ["--threads", "1", "--journal", journal],
                environment: ["DATABASE_URL": url, "MODELSERVE_ADMIN_TOKEN": token]),
            journal: journal)
    }

    struct Served {
        let process: ServeProcess
        let journal: String
        var port: Int { process.port }

        func stop() {
            _ = process.terminate()
            removeJournal(journal)
        }
    }

    /// A completed run of the test spec over 400 rows, in a fresh SQLite registry.
    static func prepare() throws -> (url: String, run: TrainingRuns.Run, checkpoints: Int, cleanup: () -> Void) {
        let source = try GrowingSource(rows: 400)
        let (url, cleanup) = try TestDatabase.makeURL(.sqlite)
        let (runs, database) = try OnlineIngestTests.open(url)
        defer { database.close() }
        let outcome = try OnlineIngest(runs: runs).run(
            try runs.start(spec: try OnlineIngestTests.spec(), source: source.url()))
        return (url, outcome.run, try runs.checkpoints(of: outcome.run.id).count, cleanup)
    }

    @Test("GET /runs, /runs/{id} and /runs/{id}/checkpoints answer JSON; bad parameters are 400, an unknown run 404")
    func api() throws {
        let (url, run, count, cleanup) = try Self.prepare()
        defer { cleanup() }
        let serve = try Self.serve(url)
        defer { serve.stop() }
        let client = try TestClient(port: serve.port)
        let list = try client.request("GET", "/runs")
        #expect(list.status == 200)
        let runs = try #require(try JSONSerialization.jsonObject(with: Data(list.body.utf8)) as? [[String: Any]])
        #expect(runs.count == 1 && runs[0]["id"] as? Int == Int(run.id) && runs[0]["status"] as? String == "completed")
        let detail = try client.request("GET", "/runs/\(run.id)")
        #expect(detail.status == 200 && detail.headers["content-type"]?.contains("json") == true)
        let notes = try #require(detail.json["collider_notes"] as? [[String: Any]])
        #expect(notes.first?["believe"] as? [String] == ["alone"])
        #expect(notes.first?["biased"] as? [String] == ["adjusted", "among"])
        let last = try #require(detail.json["last"] as? [String: Any])
        #expect(last["batch"] as? Int == count)
        let after = try client.request("GET", "/runs/\(run.id)/checkpoints?after=\(count - 2)")
        let tail = try #require(try JSONSerialization.jsonObject(with: Data(after.body.utf8)) as? [[String: Any]])
        #expect(tail.map { $0["batch"] as? Int } == [count - 1, count])
        let models = try #require(tail.last?["models"] as? [[String: Any]])
        let alone = try #require(models.first { $0["name"] as? String == "alone" })
        let terms = try #require(alone["terms"] as? [[String: Any]])
        #expect(
            terms.map { $0["term"] as? String } == ["intercept", "competence"], "coefficients keyed by feature name")
        #expect(terms.allSatisfy { $0["std_error"] is Double && $0["p_value"] is Double && $0["ci_low"] is Double })
        for bad in ["/runs/\(run.id)/checkpoints?after=-1", "/runs/\(run.id)/checkpoints?limit=0", "/runs?limit=x"] {
            let answer = try client.request("GET", bad)
            #expect(answer.status == 400, "\(bad): \(answer.status) \(answer.body)")
        }
        #expect(try client.request("GET", "/runs/999").status == 404)
        #expect(try client.request("GET", "/runs/999/checkpoints").status == 404)
        let page = try client.request("GET", "/runs/\(run.id)", headers: ["Accept": "text/html"])
        #expect(page.headers["content-type"]?.contains("text/html") == true)
        // An online version is promoted and served like any other: /predict answers with it.
        let token = ["Authorization": "Bearer \(Self.token)"]
        let sgdID = try #require(models.first { $0["name"] as? String == "sgd" }?["model_id"] as? Int)
        let assign = try client.request("POST", "/models/assign", body: "{\"model_id\": \(sgdID)}", headers: token)
        #expect(assign.status == 200, "\(assign.body)")
        let predicted = try client.request(
            "POST", "/predict", body: #"{"model": "sgd", "features": {"network_ability": 1.5, "competence": 1.0}}"#)
        #expect(predicted.status == 200, "\(predicted.body)")
        let sgdTerms = try #require(models.first { $0["name"] as? String == "sgd" }?["terms"] as? [[String: Any]])
        let value = sgdTerms.compactMap { $0["value"] as? Double }
        let expected = 1 / (1 + exp(-(value[0] + 1.5 * value[1] + 1.0 * value[2])))
        let probability = try #require(predicted.json["probability"] as? Double, "\(predicted.body)")
        #expect(abs(probability - expected) < 1e-12, "\(probability) vs \(expected) from the checkpoint's terms")
        #expect(predicted.json["model_id"] as? Int == sgdID)
        let version = try client.request("GET", "/models/\(sgdID)").json
        let coefficients = try #require(version["coefficients"] as? [String: Double], "\(version)")
        #expect(coefficients["competence"] == value[2] && version["intercept"] as? Double == value[0])
        let dashboard = try client.request("GET", "/")
        #expect(dashboard.body.contains("href=\"/runs/\(run.id)\""), "the dashboard links the run")
    }

    @Test("in headless Chromium the page draws every chart with data and the collider comparison")
    func browser() throws {
        let (url, run, count, cleanup) = try Self.prepare()
        defer { cleanup() }
        let serve = try Self.serve(url)
        defer { serve.stop() }
        let dom = try Chromium.dumpDOM("http://127.0.0.1:\(serve.port)/runs/\(run.id)")
        // The script fetched every checkpoint and drew from them.
        #expect(dom.contains("data-loaded=\"\(count)\""), "\(dom.prefix(600))")
        // Two charts per model, every series with points: 4 models; sgd has 2 coefficient
        // lines and 4 metric lines, each regression 1-2 coefficient lines (with bands) and 3.
        let series = dom.matches(of: /class="series" data-points="(\d+)"/).compactMap { Int($0.1) }
        #expect(series.count == 6 + 4 + 5 + 4, "\(series.count) series")
        #expect(series.allSatisfy { $0 == count || $0 > 1 }, "\(series)")
        #expect(dom.matches(of: /class="band"/).count == 4, "a band per OLS coefficient")
        #expect(
            dom.contains("class=\"forest\" width=\"820\" height=\"142\" data-rows=\"3\""),
            "the collider comparison has three rows")
        #expect(dom.contains("believe: leaves the collider promoted out"))
        #expect(dom.contains("Berkson"))
        let status = try #require(dom.firstMatch(of: /<p id="status">(.*?)<\/p>/)?.1)
        #expect(status.contains("<b>completed</b>") && !status.contains("could not refresh"), "\(status)")
    }
}
