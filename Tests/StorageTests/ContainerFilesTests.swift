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
    func resolvedCompose() throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "docker-compose", "--file", Self.root.appendingPathComponent("docker-compose.yml").path, "config",
        ]
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

    @Test("docker-compose.yml is valid and wires the service to a healthy Postgres")
    func compose() throws {
        let compose = try resolvedCompose()
        let services = try #require(compose["services"] as? [String: Any])
        let postgres = try #require(services["postgres"] as? [String: Any])
        let app = try #require(services["modelserve"] as? [String: Any])

        let healthcheck = try #require(postgres["healthcheck"] as? [String: Any])
        let test = (healthcheck["test"] as? [String])?.joined(separator: " ") ?? ""
        #expect(test.contains("pg_isready"))
        let volumes = try #require(postgres["volumes"] as? [Any])
        #expect(volumes.contains { "\($0)".contains("/var/lib/postgresql/data") })
        #expect((compose["volumes"] as? [String: Any])?.keys.contains("pgdata") == true)

        let build = try #require(app["build"] as? [String: Any])
        let context = URL(fileURLWithPath: try #require(build["context"] as? String))
        #expect(context.standardizedFileURL.path == Self.root.standardizedFileURL.path)
        #expect(
            FileManager.default.fileExists(
                atPath: context.appendingPathComponent(build["dockerfile"] as? String ?? "Dockerfile").path))

        // DATABASE_URL is what the binary reads; it must point at the postgres service with
        // the credentials that service is created with.
        let environment = try #require(app["environment"] as? [String: Any])
        let databaseURL = try #require(environment["DATABASE_URL"] as? String)
        let pgEnv = try #require(postgres["environment"] as? [String: Any])
        let expected =
            "postgres://\(pgEnv["POSTGRES_USER"]!):\(pgEnv["POSTGRES_PASSWORD"]!)@postgres:5432/\(pgEnv["POSTGRES_DB"]!)"
        #expect(databaseURL == expected)
        let dependsOn = try #require(app["depends_on"] as? [String: Any])
        #expect((dependsOn["postgres"] as? [String: Any])?["condition"] as? String == "service_healthy")
        let sources = try String(
            contentsOf: Self.root.appendingPathComponent("Sources/modelserve/DatabaseOptions.swift"), encoding: .utf8)
        #expect(sources.contains("environment[\"DATABASE_URL\"]"))
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
        for library in ["libpq5", "libsqlite3-0", "libcurl4"] { #expect(runtime.contains(library), "\(library)") }
        #expect(runtime.contains("COPY --from=build"))
        #expect(runtime.contains("ENTRYPOINT [\"modelserve\"]"))
        #expect(runtime.contains("ENV DATABASE_URL="))
        // The build stage compiles everything Package.swift needs.
        for folder in ["Sources", "Plugins", "migrations"] {
            #expect(text.contains("COPY \(folder) \(folder)"), "\(folder)")
        }
    }
}
