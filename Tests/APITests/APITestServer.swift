import API
import Foundation
import HTTPServer
import Learning
import Registry
import Storage
import TestSupport

/// A real API server over a real database, on a free port, with a promotion model trained
/// (two versions, the first in production).
final class APITestServer {
    let database: any Database
    let registry: ModelRegistry
    let store: ModelStore
    let log: RequestLog
    let server: HTTPServer
    let api: API
    let versions: [ModelRecord]
    let journal: String
    static let token = "test-admin-token"

    /// `logWait`: how long a partial batch of the request log waits before it is written.
    init(
        url: String, threads: Int = 2, journal: String? = nil, logWait: TimeInterval = 0.05, logCapacity: Int = 10_000
    ) throws {
        database = try openDatabase(url, maxConnections: 6)
        try Migrator(for: database).migrate(database)
        registry = ModelRegistry(database)
        if try registry.list().isEmpty {
            let folder = temporaryPath()
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            for table in DemoData.generate(.promotion, rows: 400) {
                try table.csv.write(toFile: "\(folder)/\(table.name).csv", atomically: true, encoding: .utf8)
                _ = try CSVLoader(path: "\(folder)/\(table.name).csv", table: table.name).load(into: database)
            }
            var spec = TrainingSpec(
                name: "promotion", kind: .logistic,
                query: "SELECT network_ability, competence, promoted FROM promotion ORDER BY id", target: "promoted")
            spec.hyperparameterSets = [["penalty": .text("none")], ["C": .number(0.01)]]
            let result = try Trainer(registry: registry).train(spec)
            try registry.assign(id: result.versions[0].id, by: "test")
        }
        versions = try registry.list(name: "promotion").sorted { $0.version < $1.version }
        store = ModelStore(registry: registry)
        try store.refresh()
        self.journal =
            journal
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString)").path
        // Small batches, so the tests cross many batch and chunk boundaries (and their remainders).
        log = RequestLog(
            database: database, capacity: logCapacity, batchSize: 7, maxBatch: 30, maxWait: logWait,
            journalPath: self.journal, lanes: threads,
            replaySlice: 40,
            minuteFlushInterval: 0)
        try log.start()
        var settings = APIConfiguration(adminToken: Self.token)
        settings.trainInline = true  // the tests of training over HTTP read its answer
        api = API(configuration: settings, database: database, store: store, log: log)
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.threads = threads
        server = HTTPServer(configuration: configuration, handler: api)
        try server.start()
    }

    var port: Int { server.port }

    /// A client of the same API that skips the socket.
    var inProcess: InProcessClient { InProcessClient(api: api) }

    /// Graceful stop: the server drains, then the log flushes.
    func stop() {
        server.shutdown()
        server.wait()
        log.shutdown()
        database.close()
        removeJournal(journal)
    }

    func requestLogCount() throws -> Int {
        try RequestLogStore(database).count()
    }

    /// Waits (up to 30 s) until the request log table holds at least `count` rows: the log is
    /// written off the request path, so a test that reads it waits for its own requests.
    func waitUntilLogged(_ count: Int) throws {
        let deadline = Date().addingTimeInterval(30)
        while try requestLogCount() < count && Date() < deadline {}
    }

    /// Waits (up to 30 s) until this server's writer has stored `count` rows and counted them
    /// in `request_minutes` (it flushes those after every batch here).
    func waitUntilCounted(_ count: Int) {
        let deadline = Date().addingTimeInterval(30)
        while log.rowsWritten < count && Date() < deadline {}
    }
}
