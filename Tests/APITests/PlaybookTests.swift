import Foundation
import Storage
import TestSupport
import Testing

/// The demo's steps and the playbook against a live `modelserve serve`, on both backends:
/// every status as expected, and every request in request_log.
@Suite("Demo steps and the playbook against a live server", .serialized)
struct PlaybookTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test("the playbook passes and request_log holds every request it made", arguments: Backend.allCases)
    func playbook(backend: Backend) throws {
        let (url, cleanup) = try TestDatabase.makeURL(backend)
        defer { cleanup() }
        let folder = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let env = ["DATABASE_URL": url, "MODELSERVE_ADMIN_TOKEN": "playbook-token-0123456"]
        // The demo's steps, on a smaller click data set.
        var steps: [[String]] = [["migrate"], ["generate", "click", "--out", folder, "--rows", "1500"]]
        for table in ["leads", "offers", "clicks"] {
            steps.append(["load", "\(folder)/\(table).csv", "--table", table])
        }
        steps.append([
            "train", "--spec", Self.repository.appendingPathComponent("pipelines/click.yaml").path, "--promote",
        ])
        for arguments in steps {
            let result = try ModelServeBinary.run(arguments, environment: env)
            #expect(result.status == 0, "\(arguments.joined(separator: " ")): \(result.stderr)")
        }

        let serve = try ServeProcess(arguments: ["--threads", "2", "--journal", "\(folder)/journal"], environment: env)
        let port = serve.port

        let (status, report) = try runBash(
            [Self.repository.appendingPathComponent("playbook/run.sh").path, "http://127.0.0.1:\(port)"],
            environment: ProcessInfo.processInfo.environment.merging(
                env.merging(["PLAYBOOK_TRANSCRIPT": "\(folder)/transcript.md"]) { $1 }
            ) { $1 })
        #expect(status == 0, "\(report)")
        let requests = try #require(
            report.firstMatch(of: /(\d+) requests, 0 unexpected/).flatMap { Int($0.1) }, "\(report)")

        #expect(serve.terminate().status == 0)
        let database = try openDatabase(url, maxConnections: 1)
        defer { database.close() }
        #expect(try database.query("SELECT count(*) FROM request_log")[0][0] == .integer(Int64(requests)))
        let transcript = try String(contentsOfFile: "\(folder)/transcript.md", encoding: .utf8)
        #expect(transcript.contains("## 1. Liveness"))
        #expect(transcript.contains("\(requests) requests, 0 unexpected statuses."))
    }
}
