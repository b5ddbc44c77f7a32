import Foundation
import TestSupport
import Testing

/// README's "Using it" block, run as a user pastes it: from a fresh folder, in order, on the
/// default SQLite database, then the server and the playbook against it.
@Suite("README's walkthrough runs as written")
struct WalkthroughTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The block's commands, continuation lines joined and comments dropped.
    static func walkthrough() throws -> [String] {
        let readme = try String(contentsOf: repository.appendingPathComponent("README.md"), encoding: .utf8)
        guard let section = readme.range(of: "## Using it"),
            let open = readme.range(of: "```sh\n", range: section.upperBound..<readme.endIndex),
            let close = readme.range(of: "\n```", range: open.upperBound..<readme.endIndex)
        else { throw TestSetupError("README has no ```sh block under ## Using it") }
        var commands: [String] = []
        var pending = ""
        for line in readme[open.upperBound..<close.lowerBound].split(separator: "\n") {
            var text = String(line)
            if let comment = text.range(of: #"\s{2,}# .*$"#, options: .regularExpression) {
                text.removeSubrange(comment)
            }
            if text.hasSuffix("\\") {
                pending += text.dropLast() + " "
                continue
            }
            commands.append((pending + text).trimmingCharacters(in: .whitespaces))
            pending = ""
        }
        return commands
    }

    @Test("every line of README's Using it block runs, in order, from a fresh folder")
    func usingIt() throws {
        let commands = try Self.walkthrough()
        #expect(commands.first?.hasPrefix("swift build") == true)
        let serveLine = try #require(commands.firstIndex { $0.hasPrefix("modelserve serve --port 8080") })
        let playbookLine = try #require(commands.firstIndex { $0.hasPrefix("playbook/run.sh") })
        #expect(playbookLine == serveLine + 1)

        // A fresh folder with what the block reads from the repository. Smaller data and a
        // shorter search than the real files, so that the debug build gets through in seconds;
        // the commands themselves are the block's.
        let folder = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let files = FileManager.default
        for sub in ["pipelines", "playbook"] {
            try files.createDirectory(atPath: "\(folder)/\(sub)", withIntermediateDirectories: true)
        }
        for name in ["click.yaml", "diamonds.yaml", "promotion-online.yaml"] {
            var text = try String(
                contentsOf: Self.repository.appendingPathComponent("pipelines/\(name)"), encoding: .utf8)
            text = text.replacingOccurrences(of: "trials: 100", with: "trials: 6")
                .replacingOccurrences(of: "n_estimators: {int: [100, 1000]}", with: "n_estimators: {int: [20, 60]}")
            try text.write(toFile: "\(folder)/pipelines/\(name)", atomically: true, encoding: .utf8)
        }
        try files.copyItem(
            atPath: Self.repository.appendingPathComponent("playbook/run.sh").path, toPath: "\(folder)/playbook/run.sh")

        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = nil  // the block uses the default database
        environment["PATH"] = ModelServeBinary.url.deletingLastPathComponent().path + ":" + (environment["PATH"] ?? "")
        environment["MODELSERVE_ADMIN_TOKEN"] = "walkthrough-token-0123456789"
        func bash(_ script: String) throws -> (status: Int32, output: String) {
            try runBash(["-euo", "pipefail", "-c", script], environment: environment, directory: folder)
        }

        // Everything before the server, in one shell (the build line is this test's binary).
        let sourcePort = try freeLocalPort()
        let before = commands[1..<serveLine].map {
            $0.replacingOccurrences(of: "--out data", with: "--out data --rows 1500")
                .replacingOccurrences(of: "5000", with: String(sourcePort))
        }
        let setup = try bash(before.joined(separator: "\n"))
        #expect(setup.status == 0, "\(setup.output)")
        #expect(setup.output.contains("promoted"), "\(setup.output)")
        #expect(setup.output.contains("promoted is a collider"), "the online run's report: \(setup.output)")
        #expect(setup.output.contains("the source ended: run 1 completed"), "\(setup.output)")
        #expect(files.fileExists(atPath: "\(folder)/modelserve.sqlite"))

        // The server, on a free port instead of 8080, and the playbook against it.
        var arguments = commands[serveLine].split(separator: " ").dropFirst(2).map(String.init)
        arguments.removeAll { $0 == "&" }
        if let port = arguments.firstIndex(of: "--port") { arguments.removeSubrange(port...(port + 1)) }
        let serve = try ServeProcess(
            arguments: arguments, environment: ["MODELSERVE_ADMIN_TOKEN": environment["MODELSERVE_ADMIN_TOKEN"]!],
            directory: folder)
        let playbook = try bash(
            commands[playbookLine].replacingOccurrences(
                of: "http://127.0.0.1:8080", with: "http://127.0.0.1:\(serve.port)"))
        #expect(playbook.status == 0, "\(playbook.output)")
        #expect(playbook.output.contains(", 0 unexpected; transcript: playbook/runs/transcript-"), "\(playbook.output)")

        // Every curl line on /docs, pasted as it is, succeeds against this demo database.
        let docs = try bash("curl -sf http://127.0.0.1:\(serve.port)/docs")
        #expect(docs.status == 0)
        let examples = Self.curlLines(docs.output)
        #expect(examples.count == 27)
        #expect(examples.allSatisfy { !$0.line.contains("{id}") })
        for (example, status) in examples {
            let run = try bash(example + " -o /dev/null -w '%{http_code}'")
            // A success, or the status the page says the example gets as written.
            #expect(
                run.status == 0 && (status.map { run.output == $0 } ?? run.output.hasPrefix("2")),
                "\(example) answered \(run.output)")
        }
        #expect(serve.terminate().status == 0)

        let after = try bash(commands[(playbookLine + 1)...].joined(separator: "\n"))
        #expect(after.status == 0, "\(after.output)")
    }

    /// The `<pre>` blocks of the docs page, HTML entities undone, each with the status it is
    /// marked to get (`data-status`), if any.
    static func curlLines(_ html: String) -> [(line: String, status: String?)] {
        html.matches(of: /<pre( data-status="(\d+)")?>(.*?)<\/pre>/).map { match in
            let line = String(match.3).replacingOccurrences(of: "&lt;", with: "<")
                .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
            return (line, match.2.map(String.init))
        }
    }
}
