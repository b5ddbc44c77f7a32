import Foundation
import Testing

/// Runs the built `modelserve` binary as a user would.
enum ModelServeBinary {
    /// The `modelserve` executable beside the test bundle in the build folder.
    static var url: URL {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        // The test runner lives either directly in the build folder or inside an .xctest bundle.
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("modelserve").path) && dir.path != "/"
        {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("modelserve")
    }

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
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

@Suite("The modelserve command")
struct CommandLineTests {
    @Test("every subcommand has help that mentions --database", arguments: [["migrate"], ["load"]])
    func help(subcommand: [String]) throws {
        let result = try ModelServeBinary.run(subcommand + ["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE: modelserve \(subcommand.joined(separator: " "))"))
        #expect(result.stdout.contains("--database <url>"))
    }

    @Test("the root help lists the subcommands")
    func rootHelp() throws {
        let result = try ModelServeBinary.run(["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("migrate"))
        #expect(result.stdout.contains("load"))
    }

    @Test("migrate and load work through DATABASE_URL, and again without duplicating", arguments: Backend.allCases)
    func migrateAndLoad(backend: Backend) throws {
        let (url, cleanup) = try TestDatabase.makeURL(backend)
        defer { cleanup() }
        let env = ["DATABASE_URL": url]
        let first = try ModelServeBinary.run(["migrate"], environment: env)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("applied 1 of 1 migrations"))
        #expect(!first.stdout.contains(":modelserve-test@"), "password printed")
        let again = try ModelServeBinary.run(["migrate"], environment: env)
        #expect(again.stdout.contains("up to date"))

        let csv = try temporaryFile("a,b\n1,x\n2,y\n")
        defer { try? FileManager.default.removeItem(atPath: csv) }
        for _ in 0..<2 {
            let load = try ModelServeBinary.run(["load", csv, "--table", "things", "--replace"], environment: env)
            #expect(load.status == 0, "\(load.stderr)")
            #expect(load.stdout.contains("loaded 2 rows into things"))
        }
    }

    @Test("a bad file is one clear error line and exit status 1")
    func loadError() throws {
        let (url, cleanup) = try TestDatabase.makeURL(.sqlite)
        defer { cleanup() }
        let csv = try temporaryFile("a,b\n1,2\n3\n")
        defer { try? FileManager.default.removeItem(atPath: csv) }
        let result = try ModelServeBinary.run(["load", csv, "--table", "t", "--database", url])
        #expect(result.status == 1)
        #expect(result.stderr == "error: \(csv):3: expected 2 fields as in the header, found 1\n")
    }

    @Test("a bad database URL is a usage error naming the problem")
    func badURL() throws {
        let result = try ModelServeBinary.run(["migrate", "--database", "mysql://x/y"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("unsupported database URL scheme 'mysql'"))
    }
}
