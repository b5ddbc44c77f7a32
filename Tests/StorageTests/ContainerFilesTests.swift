import Foundation
import TestSupport
import Testing
import Yams

/// docker-compose.yml and the Dockerfile cannot be run here (no Docker engine), so they are
/// parsed and checked against the code: the compose file by docker-compose itself, both
/// files for consistency with what the binary reads and what the repository holds.
@Suite("Container files")
struct ContainerFilesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The compose file as docker-compose resolves it (variables interpolated, schema checked).
    func resolvedCompose(token: String? = "compose-test-token-0123", profile: String? = nil) throws -> [String: Any] {
        let process = Process()
        var environment = ProcessInfo.processInfo.environment
        environment["MODELSERVE_ADMIN_TOKEN"] = token
        process.environment = environment
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            [
                "docker-compose", "--file", Self.root.appendingPathComponent("docker-compose.yml").path,
            ] + (profile.map { ["--profile", $0] } ?? []) + ["config"]
        process.currentDirectoryURL = Self.root
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestSetupError("docker-compose config failed (scripts/test.sh installs docker-compose): \(errors)")
        }
        return try #require(try Yams.load(yaml: String(decoding: data, as: UTF8.self)) as? [String: Any])
    }

    @Test("docker-compose.yml is valid: Postgres, a one-shot setup, three API replicas behind HAProxy on 8080")
    func compose() throws {
        let compose = try resolvedCompose()
        let services = try #require(compose["services"] as? [String: Any])
        let postgres = try #require(services["postgres"] as? [String: Any])
        let setup = try #require(services["setup"] as? [String: Any])
        let api = try #require(services["api"] as? [String: Any])

        let healthcheck = try #require(postgres["healthcheck"] as? [String: Any])
        let test = (healthcheck["test"] as? [String])?.joined(separator: " ") ?? ""
        #expect(test.contains("pg_isready"))
        let volumes = try #require(postgres["volumes"] as? [Any])
        #expect(volumes.contains { "\($0)".contains("/var/lib/postgresql/data") })
        #expect((compose["volumes"] as? [String: Any])?.keys.contains("pgdata") == true)

        let pgEnv = try #require(postgres["environment"] as? [String: Any])
        let expectedURL =
            "postgres://\(pgEnv["POSTGRES_USER"]!):\(pgEnv["POSTGRES_PASSWORD"]!)@postgres:5432/\(pgEnv["POSTGRES_DB"]!)"
        let source = try #require(services["source"] as? [String: Any])
        let worker = try #require(services["worker"] as? [String: Any])
        #expect(worker["command"] as? [String] == ["worker"], "POST /models/train's jobs run in the worker")
        for (name, service) in [("setup", setup), ("api", api), ("source", source), ("worker", worker)] {
            let build = try #require(service["build"] as? [String: Any], "\(name)")
            let context = URL(fileURLWithPath: try #require(build["context"] as? String))
            #expect(context.standardizedFileURL.path == Self.root.standardizedFileURL.path)
            // DATABASE_URL is what the binary reads; it points at the postgres service's database.
            let environment = try #require(service["environment"] as? [String: Any], "\(name)")
            #expect(environment["DATABASE_URL"] as? String == expectedURL, "\(name)")
            let dependsOn = try #require(service["depends_on"] as? [String: Any], "\(name)")
            #expect((dependsOn["postgres"] as? [String: Any])?["condition"] as? String == "service_healthy")
        }
        // The API waits for the setup to finish, listens on 8080 on all interfaces, and reads
        // the admin token from the environment under the name the binary uses.
        let apiDepends = try #require(api["depends_on"] as? [String: Any])
        #expect((apiDepends["setup"] as? [String: Any])?["condition"] as? String == "service_completed_successfully")
        let command = try #require(api["command"] as? [String])
        #expect(command.first == "serve")
        #expect(command.contains("0.0.0.0") && command.contains("8080"))
        // Three replicas, reached through the balancer only, which publishes 8080.
        #expect((api["deploy"] as? [String: Any])?["replicas"] as? Int == 3)
        #expect(api["ports"] == nil, "replicas cannot share a published port")
        let balancer = try #require(services["balancer"] as? [String: Any])
        #expect((balancer["image"] as? String)?.hasPrefix("haproxy:") == true)
        #expect((balancer["ports"] as? [Any])?.contains { "\($0)".contains("8080") } == true)
        #expect(
            ((balancer["depends_on"] as? [String: Any])?["api"] as? [String: Any])?["condition"] as? String
                == "service_healthy")
        let mounted = try #require((balancer["volumes"] as? [Any])?.first)
        #expect("\(mounted)".contains("deploy/haproxy/haproxy.cfg"))
        // HAProxy's own check of its configuration, and the backend it names is the api's port
        // and readiness route.
        let config = Self.root.appendingPathComponent("deploy/haproxy/haproxy.cfg")
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/sbin/haproxy")
        check.arguments = ["-c", "-f", config.path]
        check.standardOutput = FileHandle.nullDevice
        check.standardError = FileHandle.nullDevice
        try check.run()
        check.waitUntilExit()
        #expect(
            check.terminationStatus == 0, "haproxy -c rejects deploy/haproxy/haproxy.cfg (test.sh installs haproxy)")
        let haproxy = try String(contentsOf: config, encoding: .utf8)
        #expect(haproxy.contains("server-template api 3 api:8080") && haproxy.contains("option httpchk GET /ready"))
        #expect(haproxy.contains("bind :8080"))
        // The retrain profile runs the retrain subcommand on a schedule, off by default.
        let retrain = try #require(
            try resolvedCompose(profile: "retrain")["services"].flatMap { $0 as? [String: Any] }?["retrain"]
                as? [String: Any])
        #expect(retrain["profiles"] as? [String] == ["retrain"], "retraining is a profile, off by default")
        let retrainCommand = try #require(retrain["command"] as? [String])
        #expect(retrainCommand.starts(with: ["retrain", "--spec"]) && retrainCommand.contains("--every"))
        #expect(
            (api["environment"] as? [String: Any])?["MODELSERVE_ADMIN_TOKEN"] as? String == "compose-test-token-0123")
        // Without a token compose refuses to start, rather than publish a guessable default.
        #expect(throws: (any Error).self) { _ = try resolvedCompose(token: nil) }
        let sources = try String(
            contentsOf: Self.root.appendingPathComponent("Sources/modelserve/Serve.swift"), encoding: .utf8)
        #expect(sources.contains("environment[\"MODELSERVE_ADMIN_TOKEN\"]"))
        let options = try String(
            contentsOf: Self.root.appendingPathComponent("Sources/modelserve/DatabaseOptions.swift"), encoding: .utf8)
        #expect(options.contains("environment[\"DATABASE_URL\"]"))
        // The data source serves the table the setup loads, on 5000, once the setup is done.
        let sourceCommand = try #require(source["command"] as? [String])
        #expect(sourceCommand.first == "serve")
        #expect(sourceCommand.contains("--data-table") && sourceCommand.contains("promotion"))
        #expect(sourceCommand.contains("0.0.0.0") && sourceCommand.contains("5000"))
        #expect((source["ports"] as? [Any])?.contains { "\($0)".contains("5000") } == true)
        let sourceDepends = try #require(source["depends_on"] as? [String: Any])
        #expect((sourceDepends["setup"] as? [String: Any])?["condition"] as? String == "service_completed_successfully")
        // The setup script exists, is what the image copies, and uses only real subcommands.
        let entrypoint = (setup["entrypoint"] as? [String])?.joined(separator: " ") ?? ""
        #expect(entrypoint.contains("/app/scripts/docker-setup.sh"))
        let script = try String(
            contentsOf: Self.root.appendingPathComponent("scripts/docker-setup.sh"), encoding: .utf8)
        for subcommand in ["migrate", "generate", "load", "train", "models"] {
            #expect(script.contains("modelserve \(subcommand)"), "\(subcommand)")
        }
        #expect(script.contains("--table promotion"))
    }

    @Test("the Dockerfile is multi-stage, copies what exists, and ships the runtime libraries")
    func dockerfile() throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("Dockerfile"), encoding: .utf8)
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.hasPrefix("#")
        }
        let stages = lines.filter { $0.hasPrefix("FROM ") }
        #expect(stages.count == 2)
        #expect(stages.first?.hasSuffix(" AS build") == true)
        // Every path copied from the build context exists in the repository.
        for line in lines where line.hasPrefix("COPY ") && !line.contains("--from=") {
            let parts = line.split(separator: " ").dropFirst().dropLast()
            for source in parts {
                #expect(
                    FileManager.default.fileExists(atPath: Self.root.appendingPathComponent(String(source)).path),
                    "\(source)")
            }
        }
        // The runtime stage installs the shared libraries the binary links against.
        let runtime = text.components(separatedBy: stages[1]).last ?? ""
        for library in ["libpq5", "libsqlite3-0", "libcurl4", "libsnappy1v5", "libzstd1", "zlib1g"] {
            #expect(runtime.contains(library), "\(library)")
        }
        #expect(runtime.contains("COPY --from=build"))
        #expect(runtime.contains("ENTRYPOINT [\"modelserve\"]"))
        #expect(runtime.contains("CMD [\"serve\""))
        #expect(runtime.contains("EXPOSE 8080"))
        #expect(runtime.contains("ENV DATABASE_URL="))
        // The image builds with the Swift that CI builds and tests with.
        let pinned = try #require(text.firstMatch(of: /ARG SWIFT_VERSION=([0-9.]+)/)?.1)
        let swift = Process()
        swift.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        swift.arguments = ["swift", "--version"]
        let out = Pipe()
        swift.standardOutput = out
        swift.standardError = FileHandle.nullDevice
        try swift.run()
        let version = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        swift.waitUntilExit()
        let running = try #require(version.firstMatch(of: /Swift version ([0-9.]+)/)?.1)
        #expect(pinned == running, "the Dockerfile pins Swift \(pinned); CI runs \(running)")
        // The build stage compiles everything Package.swift needs.
        for folder in ["Sources", "Plugins", "migrations"] {
            #expect(text.contains("COPY \(folder) \(folder)"), "\(folder)")
        }
    }
}
