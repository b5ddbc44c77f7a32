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
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("modelserve-pg-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        port = try freeLocalPort()
        try "pw\n".write(toFile: directory + "/pwfile", atomically: true, encoding: .utf8)
        if getuid() == 0 { try Self.run("/bin/chown", ["-R", "postgres", directory]) }
        try asPostgres(
            "\(bin)/initdb", ["-D", directory + "/data", "-U", "modelserve", "--pwfile=\(directory)/pwfile",
                              "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8"])
        try start()
    }

    public func start() throws {
        try asPostgres(
            "\(bin)/pg_ctl", ["-D", directory + "/data", "-l", directory + "/log", "-w", "-o",
                              "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off", "start"])
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

    static func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestSetupError("\(tool) \(arguments.joined(separator: " ")) failed: \(text)")
        }
    }
}
