import Foundation
public import Storage
public import Testing

/// The two backends every contract test runs on.
public enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres
    public var testDescription: String { rawValue }
}

/// Real, throwaway databases for tests: a temp SQLite file, or a fresh database on the
/// Postgres that `scripts/test.sh` started (`MODELSERVE_TEST_POSTGRES_URL`).
public enum TestDatabase {
    public static var postgresAdminURL: String {
        get throws {
            guard let url = ProcessInfo.processInfo.environment["MODELSERVE_TEST_POSTGRES_URL"], !url.isEmpty else {
                throw TestSetupError(
                    "MODELSERVE_TEST_POSTGRES_URL is not set: run the tests with scripts/test.sh, which starts Postgres"
                )
            }
            return url
        }
    }

    /// A URL for a new, empty database of this backend, and a cleanup to call after.
    public static func makeURL(_ backend: Backend) throws -> (url: String, cleanup: () -> Void) {
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
        switch backend {
        case .sqlite:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
                "modelserve-tests", isDirectory: true)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let path = dir.appendingPathComponent("\(name).sqlite").path
            return (
                "sqlite:\(path)",
                {
                    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
                }
            )
        case .postgres:
            let admin = try postgresAdminURL
            let adminDB = try openDatabase(admin, maxConnections: 1)
            try adminDB.execute("CREATE DATABASE \(name)")
            adminDB.close()
            let url = admin.replacingOccurrences(of: "/postgres", with: "/\(name)")
            return (
                url,
                {
                    if let db = try? openDatabase(admin, maxConnections: 1) {
                        _ = try? db.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
                        db.close()
                    }
                }
            )
        }
    }

    /// Runs `body` with a fresh database of this backend, dropped afterwards.
    public static func with<T>(_ backend: Backend, maxConnections: Int = 4, _ body: (any Database, String) throws -> T)
        throws
        -> T
    {
        let (url, cleanup) = try makeURL(backend)
        defer { cleanup() }
        let database = try openDatabase(url, maxConnections: maxConnections)
        defer { database.close() }
        return try body(database, url)
    }
}

public struct TestSetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Resident memory of this process, in bytes (from /proc/self/statm).
public func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    return (fields.count > 1 ? Int(fields[1]) ?? 0 : 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// A fresh path in the temporary directory (nothing is created there).
public func temporaryPath(suffix: String = "") -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString + suffix).path
}

/// A temp file with the given bytes; the caller removes it.
public func temporaryFile(_ contents: [UInt8], suffix: String = ".csv") throws -> String {
    let path = temporaryPath(suffix: suffix)
    try Data(contents).write(to: URL(fileURLWithPath: path))
    return path
}

public func temporaryFile(_ text: String, suffix: String = ".csv") throws -> String {
    try temporaryFile(Array(text.utf8), suffix: suffix)
}

/// Removes a request log journal and the files beside it (its lock, its lanes), which a
/// stopped log leaves for the next run of the same path.
public func removeJournal(_ path: String) {
    let folder = (path as NSString).deletingLastPathComponent
    let name = (path as NSString).lastPathComponent
    for file in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    where file == name || file == name + ".lock" || file.hasPrefix(name + ".wal-") {
        try? FileManager.default.removeItem(atPath: (folder as NSString).appendingPathComponent(file))
    }
}
