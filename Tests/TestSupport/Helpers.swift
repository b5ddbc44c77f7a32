public import Foundation

/// Errors collected from several threads.
public final class Failures: @unchecked Sendable {
    public init() {}
    private let lock = NSLock()
    private var items: [String] = []
    public func add(_ item: String) { lock.withLock { items.append(item) } }
    public var all: [String] { lock.withLock { items } }
}

/// Runs the built `modelserve` binary as a user would.
public enum ModelServeBinary {
    /// The `modelserve` executable beside the test bundle in the build folder.
    public static var url: URL {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        // The test runner lives either directly in the build folder or inside an .xctest bundle.
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("modelserve").path) && dir.path != "/"
        {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("modelserve")
    }

    public struct Result: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    public static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "DATABASE_URL")
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }
}

extension ModelServeBinary {
    /// The binary running in the background (a worker, a repeating retrain): its output read
    /// as it comes, a signal to stop it.
    public final class Running {
        public let process = Process()
        private let out = Pipe()
        private let err = Pipe()
        /// What it printed on stdout and stderr so far (as far as `wait(for:)` read).
        public private(set) var stdout = ""
        public private(set) var stderr = ""

        public init(_ arguments: [String], environment: [String: String]) throws {
            process.executableURL = ModelServeBinary.url
            process.arguments = arguments
            var env = ProcessInfo.processInfo.environment
            env.removeValue(forKey: "DATABASE_URL")
            process.environment = env.merging(environment) { $1 }
            process.standardOutput = out
            process.standardError = err
            try process.run()
        }

        /// Reads stdout (or stderr) until `done` holds for what was printed; false if the
        /// stream ended first (the caller asserts it).
        public func wait(onStderr: Bool = false, for done: (String) -> Bool) -> Bool {
            let handle = (onStderr ? err : out).fileHandleForReading
            while !done(onStderr ? stderr : stdout) {
                let chunk = handle.availableData
                if chunk.isEmpty { return false }
                if onStderr {
                    stderr += String(decoding: chunk, as: UTF8.self)
                } else {
                    stdout += String(decoding: chunk, as: UTF8.self)
                }
            }
            return true
        }

        /// Sends SIGTERM (unless it ended already), reads the rest and returns the exit status.
        @discardableResult
        public func finish(signal: Bool = true) -> Int32 {
            if signal && process.isRunning { process.terminate() }
            stdout += String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            stderr += String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return process.terminationReason == .exit ? process.terminationStatus : -1
        }
    }

    /// Through the CLI, as a user would: promotion data generated into `folder`, loaded, and
    /// a logistic model trained and promoted. Returns the failures (empty when all went well).
    public static func preparePromotionModel(folder: String, environment: [String: String]) throws -> [String] {
        var failures: [String] = []
        for arguments in [
            ["generate", "promotion", "--out", folder, "--rows", "300"],
            ["load", "\(folder)/promotion.csv", "--table", "promotion"],
            [
                "train", "--name", "promotion", "--kind", "logistic", "--query",
                "SELECT network_ability, competence, promoted FROM promotion", "--target", "promoted", "--promote",
            ],
        ] {
            let result = try run(arguments, environment: environment)
            if result.status != 0 { failures.append("\(arguments[0]): \(result.stderr)") }
        }
        return failures
    }
}

public func freeLocalPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    guard bound == 0 else { throw TestSetupError("bind failed") }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// `modelserve serve` as a child process on a free port.
public final class ServeProcess {
    public let process = Process()
    private let output = Pipe()
    /// What the server printed before it started listening.
    public private(set) var banner = ""
    public let port: Int

    /// Starts `modelserve serve --port 0 ...` (in `directory`, if given) and waits for the
    /// line that names its URL.
    public init(arguments: [String], environment: [String: String], directory: String? = nil) throws {
        process.executableURL = ModelServeBinary.url
        process.arguments = ["serve", "--port", "0"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardOutput = output
        process.standardError = output
        try process.run()
        while banner.firstMatch(of: /127\.0\.0\.1:(\d+)/) == nil {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            banner += String(decoding: chunk, as: UTF8.self)
        }
        guard let match = banner.firstMatch(of: /127\.0\.0\.1:(\d+)/), let port = Int(match.1) else {
            process.terminate()
            throw TestSetupError("serve did not start: \(banner)")
        }
        self.port = port
    }

    public var pid: Int32 { process.processIdentifier }

    /// Sends SIGKILL (a crash: nothing is flushed) and waits for the process to end.
    public func crash() {
        killIfStarted(process)
        _ = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
    }

    /// Sends SIGTERM and waits; returns the exit status and everything printed.
    public func terminate() -> (status: Int32, output: String) {
        process.terminate()
        let rest = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, banner + String(decoding: rest, as: UTF8.self))
    }
}

/// Runs a bash script (in `directory`, with exactly `environment`) and returns its exit status
/// and everything it printed, stdout and stderr together.
public func runBash(_ arguments: [String], environment: [String: String], directory: String? = nil) throws -> (
    status: Int32, output: String
) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    process.environment = environment
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, text)
}

/// SIGKILL to a child process, if it was ever started; whether it was. A `Process` that
/// failed to launch has pid 0, and `kill(0, SIGKILL)` kills the caller's whole process group:
/// the test runner and the script that started it, with no output.
@discardableResult
public func killIfStarted(_ process: Process) -> Bool {
    let pid = process.processIdentifier
    guard pid > 0 else { return false }
    kill(pid, SIGKILL)
    return true
}
