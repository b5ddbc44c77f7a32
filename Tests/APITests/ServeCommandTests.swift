import Foundation
import Storage
import TestSupport
import Testing

@Suite("modelserve serve", .serialized)
struct ServeCommandTests {
    @Test("serve answers, and SIGTERM drains, flushes the log and exits 0", arguments: Backend.allCases)
    func serveAndTerminate(backend: Backend) throws {
        let (url, cleanup) = try TestDatabase.makeURL(backend)
        defer { cleanup() }
        // A model to serve, trained through the CLI.
        let folder = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let env = ["DATABASE_URL": url, "MODELSERVE_ADMIN_TOKEN": "serve-test-token-0123"]
        let failures = try ModelServeBinary.preparePromotionModel(folder: folder, environment: env)
        #expect(failures.isEmpty, "\(failures)")

        let serve = try ServeProcess(arguments: ["--threads", "2", "--journal", "\(folder)/journal"], environment: env)
        let port = serve.port
        let client = try TestClient(port: port)
        let n = 40
        for _ in 0..<n {
            let response = try client.request(
                "POST", "/predict", body: "{\"features\": {\"network_ability\": 1, \"competence\": 0}}")
            #expect(response.status == 200)
        }
        let (status, text) = serve.terminate()  // SIGTERM
        #expect(status == 0, "\(text)")
        #expect(text.contains("stopped: \(n) request log rows written"), "\(text)")
        let database = try openDatabase(url, maxConnections: 1)
        defer { database.close() }
        #expect(try database.query("SELECT count(*) FROM request_log")[0][0] == .integer(Int64(n)))
    }
}
