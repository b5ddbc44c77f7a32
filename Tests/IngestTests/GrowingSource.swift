import Foundation
import Glibc
import TestSupport

/// An independent source in Python's http.server serving deterministic promotion-like rows
/// (`network_ability` independent of `competence`, `promoted` caused by both) in pages of
/// 10: `GET /data?page=N`, `[]` past the end. `POST /append?n=K` adds rows (a stream that
/// grows); `/slow` answers each page after a pause (so a run can be killed mid-way); `/bad`
/// answers a malformed page 4 (a row without competence).
final class GrowingSource {
    private let python: PythonSource
    var port: Int { python.port }
    static let script = #"""
        lock = threading.Lock()
        generator = random.Random(7)
        rows = []
        def append(n):
            for _ in range(n):
                i = len(rows) + 1
                network = generator.gauss(0, 1)
                competence = generator.gauss(0, 1)
                p = 1 / (1 + math.exp(-(-1.5 + 1.8 * network + 1.8 * competence)))
                rows.append({"id": i, "network_ability": round(network, 4), "competence": round(competence, 4),
                             "promoted": generator.random() < p})
        append(int(sys.argv[1]))
        class Handler(Base):
            def do_POST(self):
                url = urlparse(self.path)
                with lock:
                    append(int(parse_qs(url.query)["n"][0]))
                    total = len(rows)
                self.send(200, json.dumps({"rows": total}))
            def do_GET(self):
                url = urlparse(self.path)
                page = int(parse_qs(url.query).get("page", ["0"])[0])
                if url.path == "/slow":
                    time.sleep(0.02)
                with lock:
                    chunk = rows[page * 10:(page + 1) * 10]
                if url.path == "/bad" and page == 4:
                    chunk = [dict(chunk[0])]
                    del chunk[0]["competence"]
                self.send(200, json.dumps(chunk))
        """#

    init(rows: Int) throws {
        python = try PythonSource(script: Self.script, arguments: [String(rows)])
    }

    func url(_ path: String = "/data") -> String { python.url(path) }

    /// Appends `n` rows and returns the new total.
    @discardableResult
    func append(_ n: Int) throws -> Int {
        let client = try TestClient(port: port)
        let response = try client.request("POST", "/append?n=\(n)", body: "")
        guard response.status == 200, let total = response.json["rows"] as? Int else {
            throw TestSetupError("append failed: \(response.status) \(response.body)")
        }
        return total
    }
}
