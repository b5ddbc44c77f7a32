import Foundation
import Registry
import Storage
import TestSupport
import Testing

/// Serving through a real PgBouncer in transaction mode (Debian's), which hands each
/// transaction whichever server connection is free: everything but LISTEN works through it;
/// --listen-database gives the watcher a direct connection for that.
@Suite("Behind PgBouncer in transaction mode")
struct PgBouncerTests {
    /// `pgbouncer` on a free port in front of `url`'s database, pool_mode transaction.
    final class Bouncer {
        let process = Process()
        let port: Int
        let folder = temporaryPath()

        init(url: String) throws {
            let match = try #require(url.firstMatch(of: /postgres:\/\/([^:]+):([^@]+)@([^:]+):(\d+)\/(\w+)/))
            port = try freeLocalPort()
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            chmod(folder, 0o777)
            let ini = """
                [databases]
                modelserve = host=\(match.3) port=\(match.4) dbname=\(match.5) user=\(match.1) password=\(match.2)
                [pgbouncer]
                listen_addr = 127.0.0.1
                listen_port = \(port)
                auth_type = any
                pool_mode = transaction
                default_pool_size = 4
                max_client_conn = 200
                unix_socket_dir =
                logfile = \(folder)/pgbouncer.log
                """
            try ini.write(toFile: "\(folder)/pgbouncer.ini", atomically: true, encoding: .utf8)
            chmod("\(folder)/pgbouncer.ini", 0o644)
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/pgbouncer")
            // PgBouncer will not run as root.
            process.arguments = (getuid() == 0 ? ["-u", "postgres"] : []) + ["\(folder)/pgbouncer.ini"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let deadline = Date().addingTimeInterval(10)
            while (try? TestClient(port: port)) == nil && Date() < deadline {}
        }

        var url: String { "postgres://modelserve:x@127.0.0.1:\(port)/modelserve" }

        deinit {
            // SIGKILL: it keeps no state, and a SIGTERM may stay blocked in the mask it
            // inherits from the test runner.
            if killIfStarted(process) { process.waitUntilExit() }
            try? FileManager.default.removeItem(atPath: folder)
        }
    }

    /// The local TCP ports of a process's sockets (from /proc: its socket inodes, looked up
    /// in the kernel's TCP tables).
    static func localPorts(of pid: Int32) throws -> Set<Int> {
        var inodes: Set<String> = []
        for fd in try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd") {
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)")) ?? ""
            if let inode = target.firstMatch(of: /socket:\[(\d+)\]/)?.1 { inodes.insert(String(inode)) }
        }
        var ports: Set<Int> = []
        for table in ["/proc/\(pid)/net/tcp", "/proc/\(pid)/net/tcp6"] {
            // Read to the end: procfs files say they are empty, and a sized read stops early.
            guard let handle = FileHandle(forReadingAtPath: table) else { continue }
            let text = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
            try? handle.close()
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                guard fields.count > 9, inodes.contains(String(fields[9])),
                    let port = fields[1].split(separator: ":").last.flatMap({ Int($0, radix: 16) })
                else { continue }
                ports.insert(port)
            }
        }
        return ports
    }

    @Test(
        "serving, training, logging and assigning work through it; with --listen-database a replica follows within a second"
    )
    func listenDatabase() throws {
        let (direct, cleanup) = try TestDatabase.makeURL(.postgres)
        defer { cleanup() }
        let folder = temporaryPath()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let failures = try ModelServeBinary.preparePromotionModel(folder: folder, environment: ["DATABASE_URL": direct])
        try #require(failures.isEmpty, "\(failures)")
        let bouncer = try Bouncer(url: direct)
        let token = "bouncer-test-token-0123456789"
        let environment = ["DATABASE_URL": bouncer.url, "MODELSERVE_ADMIN_TOKEN": token]
        let following = try ServeProcess(
            arguments: ["--journal", "\(folder)/a.journal", "--listen-database", direct], environment: environment)
        defer { _ = following.terminate() }
        let polling = try ServeProcess(arguments: ["--journal", "\(folder)/b.journal"], environment: environment)
        defer { _ = polling.terminate() }
        let a = try TestClient(port: following.port)
        let b = try TestClient(port: polling.port)
        // A second version to move production to, trained through the bouncer.
        let trained = try ModelServeBinary.run(
            [
                "train", "--name", "promotion", "--kind", "logistic", "--query",
                "SELECT network_ability, competence, promoted FROM promotion", "--target", "promoted",
                "--param", "C=0.01",
            ], environment: ["DATABASE_URL": bouncer.url])
        #expect(trained.status == 0, "\(trained.stderr)")
        let database = try openDatabase(direct)
        defer { database.close() }
        let ids = try ModelRegistry(database).list(name: "promotion").map(\.id).sorted()
        try #require(ids.count == 2)
        // Predictions answer, and their rows reach request_log through the bouncer.
        let row = #"{"features": {"network_ability": 0.3, "competence": -0.2}}"#
        for client in [a, b] { #expect(try client.request("POST", "/predict", body: row).status == 200) }
        let assigned = try a.request(
            "POST", "/models/assign", body: #"{"model_id": \#(ids[1])}"#,
            headers: ["Authorization": "Bearer \(token)"])
        #expect(assigned.status == 200, "\(assigned.body)")
        func current(_ client: TestClient) throws -> Int? {
            try client.request("GET", "/models/current").json["id"] as? Int
        }
        let followed = try ClusterTests.within { try current(a) == Int(ids[1]) }
        #expect(followed != nil, "with --listen-database the notification arrives")
        // and its LISTEN runs on a connection of its own to Postgres, not through the bouncer.
        let listeners = try database.query(
            "SELECT client_port FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND datname = current_database()"
        ).compactMap { $0[0].int64.map(Int.init) }
        let ports = try Self.localPorts(of: following.pid)
        #expect(listeners.contains { ports.contains($0) }, "LISTEN from ports \(listeners); the process holds \(ports)")
        // Without it the LISTEN went through the bouncer: whether a notification reaches it
        // depends on which client holds that server connection, so only the 5 s re-check is
        // sure to bring it along.
        #expect(try ClusterTests.within(8) { try current(b) == Int(ids[1]) } != nil, "the re-check catches up")
        _ = following.terminate()
        _ = polling.terminate()
        withExtendedLifetime(bouncer) {}
        let logged = try database.query("SELECT count(*) FROM request_log WHERE path = '/predict'")[0][0].int64
        #expect(logged == 2)
    }
}
