import Foundation

/// A private Postgres server for tests that stop and restart the database: initdb into a
/// temp dir, a free port on 127.0.0.1, as the postgres user when running as root.
public final class TemporaryPostgres: @unchecked Sendable {
    public let port: Int
    public let directory: String
    private let bin: String

    public var url: String { "postgres://modelserve:pw@127.0.0.1:\(port)/postgres" }

    public init() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let bin = environment["MODELSERVE_TEST_PGBIN"] else {
            throw TestSetupError("MODELSERVE_TEST_PGBIN is not set: run the tests with scripts/test.sh")
        }
        self.bin = bin
        directory =
            FileManager.default.temporaryDirectory.appendingPathComponent(
                "modelserve-pg-\(UUID().uuidString.prefix(8))"
            ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        port = try freeLocalPort()
        try "pw\n".write(toFile: directory + "/pwfile", atomically: true, encoding: .utf8)
        if getuid() == 0 { try Self.run("/bin/chown", ["-R", "postgres", directory]) }
        try asPostgres(
            "\(bin)/initdb",
            [
                "-D", directory + "/data", "-U", "modelserve", "--pwfile=\(directory)/pwfile",
                "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8",
            ])
        try start()
    }

    public func start() throws {
        try asPostgres(
            "\(bin)/pg_ctl",
            [
                "-D", directory + "/data", "-l", directory + "/log", "-w", "-o",
                "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off", "start",
            ])
    }

    /// Stops the server at once (connections are cut).
    public func stop() throws {
        try asPostgres("\(bin)/pg_ctl", ["-D", directory + "/data", "-m", "immediate", "-w", "stop"])
    }

    public func destroy() {
        try? stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func asPostgres(_ tool: String, _ arguments: [String]) throws {
        if getuid() == 0 {
            try Self.run("/usr/sbin/runuser", ["-u", "postgres", "--", tool] + arguments)
        } else {
            try Self.run(tool, arguments)
        }
    }

    /// Runs a tool and waits with posix_spawn/waitpid. (Foundation's Process left runuser as
    /// a zombie here once pg_ctl had daemonised the server, and never returned.)
    static func run(_ tool: String, _ arguments: [String]) throws {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("pgctl-\(UUID().uuidString).log")
            .path
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = ([tool] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, tool, &actions, nil, argv, environ)
        guard spawned == 0 else { throw TestSetupError("cannot run \(tool): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = (status & 0x7f) == 0
        let code = (status >> 8) & 0xff
        guard exited && code == 0 else {
            let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            throw TestSetupError("\(tool) \(arguments.joined(separator: " ")) failed (\(status)): \(text)")
        }
    }
}
