import Foundation
import Glibc
import Ingest
import Storage
import TestSupport
import Testing

/// A small independent source written in Python's http.server, misbehaving on purpose: a 500
/// once, a page slower than the timeout once, a malformed page, a missing field, 404 past
/// the end. It prints its port, then serves until it is stopped.
final class MisbehavingSource {
    private let python: PythonSource
    var port: Int { python.port }
    static let script = #"""
        hits = {}
        lock = threading.Lock()
        def rows(page, n=10, total=25):
            return [{"id": i, "network_ability": i / 10, "competence": -i / 20, "promoted": i % 3 == 0}
                    for i in range(page * n, min(total, (page + 1) * n))]
        class Handler(Base):
            def do_GET(self):
                url = urlparse(self.path)
                page = int(parse_qs(url.query).get("page", ["0"])[0])
                with lock:
                    key = (url.path, page)
                    hits[key] = hits.get(key, 0) + 1
                    first = hits[key] == 1
                if url.path == "/flaky" and page == 1 and first:
                    return self.send(500, '{"error": "try again"}')
                if url.path == "/slow" and page == 0 and first:
                    time.sleep(2)
                if url.path == "/bad" and page == 1:
                    return self.send(200, '{"rows": "not an array"}')
                if url.path == "/missing" and page == 0:
                    return self.send(200, json.dumps([{"id": 1, "network_ability": 0.5, "promoted": True}]))
                if url.path == "/end404" and page >= 3:
                    return self.send(404, '{"error": "no such page"}')
                if url.path == "/always500":
                    return self.send(503, '{"error": "down"}')
                self.send(200, json.dumps(rows(page)))
        """#

    init() throws {
        python = try PythonSource(script: Self.script)
    }

    func url(_ path: String) -> String { python.url(path) }
}

@Suite("Paginated source client (libcurl)", .serialized)
struct PageSourceTests {
    static let columns = ["network_ability", "competence", "promoted"]

    /// Every page until the end.
    static func all(_ source: PageSource) throws -> [PageSource.Page] {
        var pages: [PageSource.Page] = []
        while let page = try source.page(pages.count, sleep: { _ in }) { pages.append(page) }
        return pages
    }

    @Test("reads our own source (serve --data-table) page by page to its [] end, rows as stored")
    func ownSource() throws {
        let (url, cleanup) = try TestDatabase.makeURL(.sqlite)
        defer { cleanup() }
        let folder = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let env = ["DATABASE_URL": url, "MODELSERVE_ADMIN_TOKEN": "ingest-test-token-0123"]
        let failures = try ModelServeBinary.preparePromotionModel(folder: folder, environment: env)
        #expect(failures.isEmpty, "\(failures)")
        let serve = try ServeProcess(
            arguments: ["--threads", "1", "--journal", "\(folder)/journal", "--data-table", "promotion"],
            environment: env)
        defer { _ = serve.terminate() }
        let source = try PageSource(base: "http://127.0.0.1:\(serve.port)/api/v1/data", columns: Self.columns)
        let pages = try Self.all(source)
        #expect(pages.count == 30)
        #expect(pages.allSatisfy { $0.rows.count == 10 })
        let database = try openDatabase(url, maxConnections: 1)
        defer { database.close() }
        let stored = try database.query("SELECT id, network_ability, competence, promoted FROM promotion ORDER BY id")
        let rows = pages.flatMap(\.rows)
        #expect(rows.count == stored.count)
        for (row, expected) in zip(rows, stored) {
            // promoted loaded as a boolean column; the source sends it as true/false.
            let promoted = expected["promoted"].bool.map { $0 ? 1.0 : 0.0 }
            #expect(row == [expected["network_ability"].double, expected["competence"].double, promoted])
        }
        #expect(pages.flatMap(\.ids) == stored.map { $0["id"].int64.map(Int.init) })
    }

    @Test("a 500 is retried with backoff, a page slower than the timeout is retried, a 4xx past the end ends the data")
    func retries() throws {
        let server = try MisbehavingSource()
        var settings = PageSource.Settings()
        settings.timeout = 1
        var waits: [Double] = []
        let flaky = try PageSource(base: server.url("/flaky"), columns: Self.columns, settings: settings)
        var pages: [PageSource.Page] = []
        while let page = try flaky.page(pages.count, sleep: { waits.append($0) }) { pages.append(page) }
        #expect(pages.map(\.rows.count) == [10, 10, 5])
        #expect(waits == [0.25], "one retry, after the first backoff")
        let slow = try PageSource(base: server.url("/slow"), columns: Self.columns, settings: settings)
        #expect(try slow.page(0, sleep: { _ in })?.rows.count == 10)
        let ends = try PageSource(base: server.url("/end404"), columns: Self.columns)
        #expect(try Self.all(ends).map(\.rows.count) == [10, 10, 5])
        // Booleans and numbers come through as the model needs them.
        #expect(pages[0].rows[3] == [0.3, -0.15, 1])
        #expect(pages[0].ids[3] == 3)
    }

    @Test(
        "a malformed page or a missing field is an error naming the page and field; a source that stays down gives up")
    func refusals() throws {
        let server = try MisbehavingSource()
        let bad = try PageSource(base: server.url("/bad"), columns: Self.columns)
        #expect(try bad.page(0, sleep: { _ in }) != nil)
        let malformed = #expect(throws: PageSource.Failure.self) { try bad.page(1, sleep: { _ in }) }
        #expect(malformed?.description == "page 1: the page is not a JSON array of objects with plain values")
        let missing = #expect(throws: PageSource.Failure.self) {
            try PageSource(base: server.url("/missing"), columns: Self.columns).page(0, sleep: { _ in })
        }
        #expect(missing?.description == "page 0: row 0: field competence is missing")
        var settings = PageSource.Settings()
        settings.attempts = 4
        var waits: [Double] = []
        let down = try PageSource(base: server.url("/always500"), columns: Self.columns, settings: settings)
        let gaveUp = #expect(throws: PageSource.Failure.self) { try down.page(0, sleep: { waits.append($0) }) }
        #expect(gaveUp?.description.contains("the source answered 503, 4 times; the run can be resumed") == true)
        #expect(waits == [0.25, 0.5, 1.0])
        let refused = try PageSource(
            base: "http://127.0.0.1:\(try freeLocalPort())/x", columns: Self.columns, settings: settings)
        let unreachable = #expect(throws: PageSource.Failure.self) { try refused.page(0, sleep: { _ in }) }
        #expect(unreachable?.description.contains("4 times") == true, "\(unreachable?.description ?? "")")
        #expect(throws: PageSource.Failure.self) { try PageSource(base: "file:///etc/passwd", columns: Self.columns) }
    }
}
