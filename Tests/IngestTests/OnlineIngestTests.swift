import Foundation
import Glibc
import Ingest
import Learning
import Registry
import Storage
import TestSupport
import Testing

@Suite("Online ingest: batches, checkpoints, resume", .serialized)
struct OnlineIngestTests {
    static let specText = """
        name: promo-test
        pages_per_batch: 3
        register_every: 10
        colliders: [promoted]
        models:
          - {name: sgd, kind: online_logistic, target: promoted, features: [network_ability, competence]}
          - {name: alone, kind: online_linear, target: network_ability, features: [competence]}
          - {name: adjusted, kind: online_linear, target: network_ability, features: [competence, promoted]}
          - {name: among, kind: online_linear, target: network_ability, features: [competence], only: {promoted: 1}}
        """

    static func spec() throws -> OnlineSpec { try OnlineSpec.parse(specText) }

    /// Every row of the source, fetched independently of ingest: (network, competence, promoted).
    static func allRows(_ url: String) throws -> [[Double]] {
        let source = try PageSource(base: url, columns: ["network_ability", "competence", "promoted"])
        var rows: [[Double]] = []
        var n = 0
        while let page = try source.page(n, sleep: { _ in }) {
            rows += page.rows
            n += 1
        }
        return rows
    }

    /// Batch OLS of network_ability on the given columns of `rows` (with an intercept).
    static func batchOLS(_ rows: [[Double]], columns: [Int]) throws -> [Double] {
        let x = Matrix(rows: rows.map { row in [1] + columns.map { row[$0] } })
        return try LinearRegression().fit(x, rows.map { $0[0] }, interceptColumn: 0).coefficients
    }

    static func open(_ url: String) throws -> (TrainingRuns, any Database) {
        let database = try openDatabase(url, maxConnections: 2)
        try Migrator(for: database).migrate(database)
        return (TrainingRuns(registry: ModelRegistry(database)), database)
    }

    /// Checks a finished run against batch fits on every row the source holds.
    static func expectExact(_ runs: TrainingRuns, _ run: TrainingRuns.Run, rows: [[Double]]) throws {
        #expect(run.rowsSeen == rows.count, "every row once")
        let checkpoints = try runs.checkpoints(of: run.id)
        #expect(checkpoints.map(\.batch) == Array(1...checkpoints.count), "batches numbered without a gap")
        for (a, b) in zip(checkpoints, checkpoints.dropFirst()) {
            #expect(
                b.firstPage == a.lastPage + 1 || b.firstPage == a.lastPage,
                "pages follow on: \(a.lastPage) then \(b.firstPage)")
            #expect(b.rowsSeen > a.rowsSeen)
        }
        let last = try #require(checkpoints.last)
        #expect(last.rowsSeen == rows.count)
        let terms = Dictionary(uniqueKeysWithValues: last.models.map { ($0.name, $0.terms.map(\.value)) })
        expectClose(
            try #require(terms["alone"]), try batchOLS(rows, columns: [1]), relative: 1e-9, "alone vs batch OLS")
        expectClose(
            try #require(terms["adjusted"]), try batchOLS(rows, columns: [1, 2]), relative: 1e-9,
            "adjusted vs batch OLS")
        let promoted = rows.filter { $0[2] == 1 }
        expectClose(
            try #require(terms["among"]), try batchOLS(promoted, columns: [1]), relative: 1e-9, "among vs batch OLS")
        #expect(last.models.first { $0.name == "among" }?.rows == promoted.count)
    }

    @Test(
        "a run learns every row once, checkpoints each batch, registers versions that serve",
        arguments: Backend.allCases)
    func endToEnd(_ backend: Backend) throws {
        let source = try GrowingSource(rows: 1003)
        let (url, cleanup) = try TestDatabase.makeURL(backend)
        defer { cleanup() }
        let (runs, database) = try Self.open(url)
        defer { database.close() }
        let run = try runs.start(spec: try Self.spec(), source: source.url())
        var seen: [Int] = []
        let outcome = try OnlineIngest(runs: runs).run(run, progress: { seen.append($0.checkpoint.batch) })
        #expect(outcome.ending == .end)
        #expect(outcome.run.status == .completed)
        // 101 pages (the last of 3 rows) in batches of 3 pages: 34 batches, reported in order.
        #expect(seen == Array(1...34))
        let rows = try Self.allRows(source.url())
        #expect(rows.count == 1003)
        try Self.expectExact(runs, outcome.run, rows: rows)
        // Versions at batches 10, 20, 30 and at the end, for each model.
        let registry = runs.registry
        for name in ["sgd", "alone", "adjusted", "among"] {
            let versions = try registry.list(name: name)
            #expect(versions.count == 4, "\(name): \(versions.count) versions")
            #expect(versions.first?.rowCount == (name == "among" ? rows.filter { $0[2] == 1 }.count : 1003))
            #expect(versions.first?.metrics.evaluatedOn == "progressive")
        }
        #expect(outcome.registered.count == 4)
        // The final version predicts as the model in the last checkpoint says.
        let record = try #require(try registry.list(name: "alone").first)
        let model = try record.model()
        let terms = try #require(try runs.checkpoints(of: run.id).last?.models.first { $0.name == "alone" }?.terms)
        let predicted = try model.predict(["competence": .number(0.5)]).prediction.value
        expectClose(predicted, terms[0].value + 0.5 * terms[1].value, relative: 1e-12, "served prediction")
        let sgd = try #require(try runs.checkpoints(of: run.id).last?.models.first { $0.name == "sgd" })
        #expect(sgd.cumulative["roc_auc"].map { $0 > 0.8 } == true, "the classifier learns: \(sgd.cumulative)")
        #expect(sgd.cumulative["rows"] == 1003)
    }

    @Test("kill -9 mid-run, then --resume: no row twice or skipped, coefficients as one uninterrupted run")
    func killAndResume() throws {
        let source = try GrowingSource(rows: 600)
        let (url, cleanup) = try TestDatabase.makeURL(.postgres)
        defer { cleanup() }
        let folder = temporaryPath()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let specPath = "\(folder)/spec.yaml"
        try Self.specText.replacingOccurrences(of: "pages_per_batch: 3", with: "pages_per_batch: 1")
            .write(toFile: specPath, atomically: true, encoding: .utf8)
        let arguments = ["ingest", "--spec", specPath, "--source", source.url("/slow"), "--database", url]
        // The first run, killed once a few batches are committed (/slow takes 20 ms a page).
        let child = Process()
        child.executableURL = ModelServeBinary.url
        child.arguments = arguments
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()
        let (runs, database) = try Self.open(url)
        defer { database.close() }
        var batches = 0
        let deadline = Date().addingTimeInterval(60)
        while batches < 8 && Date() < deadline {
            batches = Int(
                try database.query("SELECT COALESCE(MAX(batches), 0) FROM training_runs").first?[0].int64 ?? 0)
        }
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        let killed = try #require(try runs.list().first)
        #expect(killed.status == .running, "killed, not finished")
        #expect(killed.batches >= 8 && killed.batches < 60, "killed mid-run at batch \(killed.batches)")
        #expect(
            try runs.checkpoints(of: killed.id).count == killed.batches, "the checkpoints are the committed batches")
        // Resumed to the end through the CLI.
        let resumed = try ModelServeBinary.run(arguments + ["--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("resuming run \(killed.id) at page \(killed.nextPage)"), "\(resumed.stderr)")
        let finished = try runs.run(id: killed.id)
        #expect(finished.status == .completed)
        let rows = try Self.allRows(source.url())
        try Self.expectExact(runs, finished, rows: rows)
        // Bit-identical to a run that was never stopped, in-process on SQLite.
        let (otherURL, otherCleanup) = try TestDatabase.makeURL(.sqlite)
        defer { otherCleanup() }
        let (other, otherDatabase) = try Self.open(otherURL)
        defer { otherDatabase.close() }
        var spec = try Self.spec()
        spec.pagesPerBatch = 1
        let straight = try OnlineIngest(runs: other).run(try other.start(spec: spec, source: source.url()))
        let a = try runs.checkpoints(of: finished.id).last?.models.map(\.terms)
        let b = try other.checkpoints(of: straight.run.id).last?.models.map(\.terms)
        #expect(a == b, "resumed and uninterrupted runs end with the same terms, bit for bit")
        // The report names the collider and which regression to believe.
        let show = try ModelServeBinary.run(["runs", "show", String(killed.id), "--database", url])
        #expect(show.status == 0)
        #expect(show.stdout.contains("promoted is a collider"), "\(show.stdout)")
        #expect(show.stdout.contains("Believe alone"), "\(show.stdout)")
        // The versions it registered read like any other: coefficients, and OLS's inference.
        for name in ["alone", "sgd"] {
            let id = try #require(try runs.registry.list(name: name).first?.id)
            let report = try ModelServeBinary.run(["models", "show", String(id), "--database", url])
            #expect(report.status == 0, "\(report.stderr)")
            #expect(report.stdout.contains("competence"), "\(report.stdout)")
            if name == "alone" {
                #expect(report.stdout.contains("P>|t|") && report.stdout.contains("R²"), "\(report.stdout)")
            }
        }
        let list = try ModelServeBinary.run(["runs", "list", "--database", url])
        #expect(list.stdout.contains("promo-test") && list.stdout.contains("completed"), "\(list.stdout)")
    }

    @Test("a malformed page fails the run naming page and field; resumed, it ends as if nothing happened")
    func malformedThenResume() throws {
        let source = try GrowingSource(rows: 200)
        let (url, cleanup) = try TestDatabase.makeURL(.sqlite)
        defer { cleanup() }
        let (runs, database) = try Self.open(url)
        defer { database.close() }
        let ingest = OnlineIngest(runs: runs)
        let run = try runs.start(spec: try Self.spec(), source: source.url("/bad"))
        #expect {
            _ = try ingest.run(run)
        } throws: { error in
            "\(error)".contains("page 4") && "\(error)".contains("competence")
        }
        let failed = try runs.run(id: run.id)
        #expect(failed.status == .failed)
        #expect(failed.error?.contains("page 4") == true)
        #expect(failed.batches == 1, "batch 1 (pages 0-2) committed; batch 2 (pages 3-5) not")
        #expect(failed.nextPage == 2 && failed.pageOffset == 10)
        // The source is fixed (the good path serves the same rows); the run resumes.
        var fixed = failed
        fixed.source = source.url()
        let outcome = try ingest.run(fixed)
        #expect(outcome.run.status == .completed)
        try Self.expectExact(runs, outcome.run, rows: try Self.allRows(source.url()))
    }

    @Test("--follow picks up rows appended after the end, a short last page included, each once")
    func follow() throws {
        let source = try GrowingSource(rows: 25)
        let (url, cleanup) = try TestDatabase.makeURL(.sqlite)
        defer { cleanup() }
        let (runs, database) = try Self.open(url)
        defer { database.close() }
        var options = OnlineIngest.Options()
        options.follow = true
        options.pollInterval = 0.01
        var appended = false
        var rowsSeen = 0
        let outcome = try OnlineIngest(runs: runs).run(
            try runs.start(spec: try Self.spec(), source: source.url()), options: options,
            progress: { rowsSeen = $0.run.rowsSeen },
            stop: { rowsSeen >= 62 },
            sleep: { _ in
                // At the end, once: the stream grows by 37 rows (page 2 fills, pages 3-6 follow).
                if !appended {
                    appended = true
                    _ = try? source.append(37)
                }
            })
        #expect(appended)
        #expect(outcome.ending == .stopped)
        #expect(outcome.run.status == .stopped, "a followed run ends stopped, resumable")
        #expect(outcome.registered.count == 4, "versions registered at the stop")
        let rows = try Self.allRows(source.url())
        #expect(rows.count == 62)
        try Self.expectExact(runs, outcome.run, rows: rows)
    }

    @Test("ingest --follow through the CLI: learns what comes, SIGTERM ends it stopped with versions, --resume goes on")
    func followCommand() throws {
        let source = try GrowingSource(rows: 30)
        let (url, cleanup) = try TestDatabase.makeURL(.sqlite)
        defer { cleanup() }
        let specPath = temporaryPath(suffix: ".yaml")
        try Self.specText.write(toFile: specPath, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: specPath) }
        let arguments = [
            "ingest", "--spec", specPath, "--source", source.url(), "--database", url, "--follow", "--poll-interval",
            "0.05",
        ]
        let child = Process()
        child.executableURL = ModelServeBinary.url
        child.arguments = arguments
        let errors = Pipe()
        child.standardOutput = FileHandle.nullDevice
        child.standardError = errors
        try child.run()
        let (runs, database) = try Self.open(url)
        defer { database.close() }
        func rowsSeen() throws -> Int {
            Int(try database.query("SELECT COALESCE(MAX(rows_seen), 0) FROM training_runs").first?[0].int64 ?? 0)
        }
        let deadline = Date().addingTimeInterval(60)
        while try rowsSeen() < 30 && Date() < deadline {}
        try source.append(25)
        while try rowsSeen() < 55 && Date() < deadline {}
        child.terminate()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        child.waitUntilExit()
        #expect(child.terminationStatus == 0, "\(stderr)")
        #expect(stderr.contains("stopped by a signal; continue with --resume"), "\(stderr)")
        let run = try #require(try runs.list().first)
        #expect(run.status == .stopped)
        #expect(run.rowsSeen == 55)
        #expect(try runs.registry.list(name: "alone").count == 1, "a version at the stop")
        // Resumed without --follow: the rows added meanwhile, then the end.
        try source.append(12)
        let resumed = try ModelServeBinary.run(Array(arguments.prefix(7)) + ["--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let finished = try runs.run(id: run.id)
        #expect(finished.status == .completed)
        try Self.expectExact(runs, finished, rows: try Self.allRows(source.url()))
    }

    @Test("two processes cannot both move one run on: the second commit is refused, nothing written")
    func runMoved() throws {
        let source = try GrowingSource(rows: 40)
        let (url, cleanup) = try TestDatabase.makeURL(.postgres)
        defer { cleanup() }
        let (runs, database) = try Self.open(url)
        defer { database.close() }
        let stale = try runs.start(spec: try Self.spec(), source: source.url())
        var options = OnlineIngest.Options()
        options.maxPages = 3
        let first = try OnlineIngest(runs: runs).run(stale, options: options)
        #expect(first.ending == .maxPages && first.run.batches == 1)
        #expect(throws: RegistryError.self) { _ = try OnlineIngest(runs: runs).run(stale) }
        let after = try runs.run(id: stale.id)
        #expect(after.batches == 1, "the stale process wrote nothing")
        #expect(try runs.checkpoints(of: stale.id).count == 1)
    }
}

/// |a - b| <= relative·max(|a|, |b|), element by element.
func expectClose(
    _ got: [Double], _ want: [Double], relative: Double, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(
        got.count == want.count, "\(what): \(got.count) values, expected \(want.count)", sourceLocation: sourceLocation)
    for (i, (a, b)) in zip(got, want).enumerated() where abs(a - b) > relative * max(abs(a), abs(b)) {
        Issue.record("\(what)[\(i)]: \(a) vs \(b)", sourceLocation: sourceLocation)
    }
}

func expectClose(
    _ got: Double, _ want: Double, relative: Double, _ what: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    expectClose([got], [want], relative: relative, what, sourceLocation: sourceLocation)
}
