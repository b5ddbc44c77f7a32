public import API
public import ArgumentParser
import Dispatch
import Foundation
import HTTPServer
import Registry
import Storage
import Synchronization

/// `modelserve serve`: the prediction and registry API over HTTP.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve predictions and the registry over HTTP.",
        discussion: """
            Admin routes need Authorization: Bearer $MODELSERVE_ADMIN_TOKEN; without the variable a \
            random token is made and printed. Every request and response is written to request_log. \
            SIGTERM or SIGINT stops accepting, finishes requests in flight, flushes the log and exits 0.
            """
    )

    @Option(help: "Address to listen on (\"::\" for IPv4 and IPv6).") var host = "127.0.0.1"
    @Option(help: "Port (0 picks a free one).") var port = 8080
    @Option(help: "Event loops (threads); default: one per core.") var threads: Int?
    @Option(help: "The model /predict uses when a request names none and several are in production.")
    var model: String?
    @Option(help: "Largest request body in bytes (413 beyond).") var maxBody = 1 << 20
    @Option(help: "Largest request line plus headers in bytes (414/431 beyond).") var maxHeaderBytes = 16 * 1024
    @Option(help: "Most header fields per request (431 beyond).") var maxHeaders = 100
    @Option(help: "Seconds to receive a request's head (408 after).") var headerTimeout = 10.0
    @Option(help: "Seconds to receive a request's body (408 after).") var bodyTimeout = 30.0
    @Option(help: "Seconds an idle keep-alive connection stays open.") var idleTimeout = 60.0
    @Option(help: "Seconds a client may leave answers unread before it is dropped.") var writeTimeout = 30.0
    @Option(help: "Most rows per /predict request.") var maxInstances = 1_000
    @Option(help: "Most open connections.") var maxConnections = 10_000
    @Option(help: "Seconds a training query sent to POST /models/train may run.") var trainingTimeout = 60.0
    @Flag(
        help: ArgumentHelp(
            "Train POST /models/train in this process and answer with the versions (the single-binary demo).",
            discussion: "Without it the request is queued as a job for `modelserve worker` and answered 202 at once."))
    var trainInline = false
    @Option(
        help: ArgumentHelp(
            "Where the request log spills while the database is away (and, with --log-durability, its crash journal).",
            discussion: """
                Defaults to the SQLite file's path + .request-log.journal, and for Postgres to \
                modelserve-request-log-HOST-PORT.journal in the working directory: two servers never share one, \
                and a restart on the same host and port replays what the last one left.
                """))
    var journal: String?
    @Option(
        help: ArgumentHelp(
            """
            What a crash can cost the request log: none (entries in memory until written), process \
            (journaled before the answer is sent: survives kill -9), machine (also fdatasync: survives power loss).
            """,
            discussion: """
                With process or machine, answers also go on when the database holds the log writer up (a long \
                commit, a lock): their entries wait in the journal's overflow files and are stored once the writer \
                is free. With none, answers wait for room in the log's queue.
                """))
    var logDurability = LogDurability.process
    @Option(
        help: ArgumentHelp(
            "Keep request_log rows this long (30d, 12h); default: for ever.",
            discussion: """
                Postgres drops whole day partitions once past it; SQLite deletes old rows a thousand at a \
                time between log writes. Checked at start and hourly.
                """))
    var logRetention: String?
    @Option(help: "Serve this table at GET /api/v1/data?page=N, the paginated source online ingest reads.")
    var dataTable: String?
    @Option(help: "The --data-table column pages are ordered by.") var dataKey = "id"
    @Option(help: "Rows per --data-table page.") var dataPageSize = 10
    @Option(
        help: ArgumentHelp(
            "A direct Postgres URL for following assignments (LISTEN/NOTIFY) when --database goes through PgBouncer.",
            discussion: """
                PgBouncer in transaction mode cannot carry LISTEN: without this a replica behind it \
                follows assignments only through its 5-second re-check. Defaults to \
                $MODELSERVE_LISTEN_DATABASE_URL.
                """, valueName: "url"))
    var listenDatabase: String?

    /// The LISTEN URL in force, from the option or the environment.
    var listenURLText: String? {
        listenDatabase
            ?? ProcessInfo.processInfo.environment["MODELSERVE_LISTEN_DATABASE_URL"].flatMap {
                $0.isEmpty ? nil : $0
            }
    }
    @OptionGroup var options: DatabaseOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0-65535") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        for (value, name) in [
            (maxBody, "--max-body"), (maxHeaderBytes, "--max-header-bytes"), (maxHeaders, "--max-headers"),
        ]
        where value < 1 {
            throw ValidationError("\(name) must be at least 1")
        }
        for (value, name) in [
            (headerTimeout, "--header-timeout"), (bodyTimeout, "--body-timeout"), (idleTimeout, "--idle-timeout"),
            (writeTimeout, "--write-timeout"),
        ]
        where !(value > 0) {
            throw ValidationError("\(name) must be a positive number of seconds")
        }
        if let logRetention, DurationText.seconds(logRetention) == nil {
            throw ValidationError("--log-retention must be a duration such as 30d or 12h, not '\(logRetention)'")
        }
        if let listenURLText {
            guard case .postgres = try? DatabaseURL(parsing: listenURLText) else {
                throw ValidationError("--listen-database must be a postgres:// URL (LISTEN/NOTIFY is Postgres')")
            }
        }
        let token = ProcessInfo.processInfo.environment["MODELSERVE_ADMIN_TOKEN"] ?? ""
        if !token.isEmpty && token.count < APIConfiguration.minimumTokenLength {
            throw ValidationError(
                "MODELSERVE_ADMIN_TOKEN has \(token.count) characters; use at least \(APIConfiguration.minimumTokenLength) "
                    + "(for example: openssl rand -hex 24)")
        }
    }

    func run() throws {
        try Console.run {
            signal(SIGPIPE, SIG_IGN)
            // Signals are taken over before anything starts: a SIGTERM in the first
            // milliseconds neither kills the process nor is lost (it stops the server as soon
            // as there is one, and the log is flushed as on any stop).
            let stopping = StopRequest()
            let signals = StopSignals { stopping.request() }
            defer { signals.cancel() }
            var token = ProcessInfo.processInfo.environment["MODELSERVE_ADMIN_TOKEN"] ?? ""
            if token.isEmpty {
                var generator = SystemRandomNumberGenerator()
                token = (0..<4).map { _ in String(generator.next(), radix: 16) }.joined()
                Console.err("MODELSERVE_ADMIN_TOKEN is not set; admin token for this run: \(token)")
            }
            var server = ServerConfiguration()
            server.host = host
            server.port = port
            if let threads { server.threads = threads }
            server.limits.maxBodyBytes = maxBody
            server.limits.maxHeaderBytes = maxHeaderBytes
            server.limits.maxHeaderCount = maxHeaders
            server.headerTimeout = headerTimeout
            server.bodyTimeout = bodyTimeout
            server.idleTimeout = idleTimeout
            server.writeTimeout = writeTimeout
            server.maxConnections = maxConnections

            let database = try options.openRegistry(maxConnections: server.threads * 2 + 2)
            defer { database.close() }
            let store = ModelStore(registry: ModelRegistry(database))
            try store.refresh()
            let journal =
                try self.journal ?? Self.defaultJournal(for: DatabaseURL(parsing: options.urlText), port: port)
            let log = RequestLog(
                database: database, journalPath: journal, durability: logDurability, lanes: server.threads,
                retention: logRetention.flatMap(DurationText.seconds)
            ) { Console.err($0) }
            try log.start()
            var configuration = APIConfiguration(adminToken: token)
            configuration.feedbackToken = ProcessInfo.processInfo.environment["MODELSERVE_FEEDBACK_TOKEN"].flatMap {
                $0.isEmpty ? nil : $0
            }
            configuration.defaultModel = model
            configuration.maxInstances = maxInstances
            configuration.onError = { Console.err($0) }
            configuration.trainingTimeout = trainingTimeout
            configuration.trainInline = trainInline
            let trainingSource = try options.openTrainingSource()
            defer { trainingSource?.close() }
            configuration.trainingDatabase = trainingSource
            if let dataTable {
                let pages = try DataPages(database: database, table: dataTable, key: dataKey, pageSize: dataPageSize)
                if !pages.keyIsIndexed {
                    Console.err(
                        "note: \(pages.table) has no index on \(pages.key), so every page scans the table; "
                            + "load it with --index \(pages.key), or CREATE INDEX on it")
                }
                configuration.dataSource = pages
            }
            let api = API(configuration: configuration, database: database, store: store, log: log)
            let listener = try listenURLText.map { try openDatabase(DatabaseURL(parsing: $0), maxConnections: 1) }
            defer { listener?.close() }
            let watcher = ProductionWatcher(
                store: store, database: database, listenOn: listener as? PostgresDatabase
            ) { Console.err($0) }
            watcher.start()
            let http = HTTPServer(configuration: server, handler: api)
            try http.start()
            stopping.attach(http)
            let shown = host.contains(":") ? "[\(host)]" : host
            let production = store.all.map { "\($0.name) v\($0.version)" }.joined(separator: ", ")
            Console.out(
                "modelserve serving http://\(shown):\(http.port) with \(server.threads) event loops on \(database.displayURL)"
            )
            Console.out("  production: \(production.isEmpty ? "none yet" : production); docs: /docs; dashboard: /")
            if let source = configuration.dataSource {
                Console.out(
                    "  data: table \(source.table) at /api/v1/data?page=N, \(source.pageSize) rows a page by \(source.key)"
                )
            }
            http.wait()
            watcher.stop()
            log.shutdown()
            Console.out(
                "stopped: \(log.rowsWritten) request log rows written"
                    + (log.rowsOverflowed > 0
                        ? ", \(log.rowsOverflowed) of them by way of overflow (answered while the writer was held up)" : "")
                    + (log.rowsWaiting > 0 ? ", \(log.rowsWaiting) kept in \(journal) for the next start" : ""))
        }
    }
}

extension LogDurability: ExpressibleByArgument {}

/// A stop asked for by a signal, remembered until there is a server to stop.
final class StopRequest: Sendable {
    private let state = Mutex<(requested: Bool, server: HTTPServer?)>((false, nil))

    func request() {
        let server = state.withLock { state -> HTTPServer? in
            state.requested = true
            return state.server
        }
        server?.shutdown()
    }

    /// The server to stop; stopped at once if a signal came before it existed.
    func attach(_ server: HTTPServer) {
        let requested = state.withLock { state -> Bool in
            state.server = server
            return state.requested
        }
        if requested { server.shutdown() }
    }
}

extension Serve {
    /// The journal when none is named: beside the SQLite file (one database, one journal), or
    /// named by this host and port for Postgres, whose replicas may share a working directory.
    static func defaultJournal(for url: DatabaseURL, port: Int) -> String {
        switch url {
        case .sqlite(let path): return path + ".request-log.journal"
        case .postgres:
            let host = ProcessInfo.processInfo.hostName.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }
            // Port 0 picks a free port after this is decided: the process id stands in.
            let place = port == 0 ? "pid\(ProcessInfo.processInfo.processIdentifier)" : String(port)
            return "modelserve-request-log-\(host.isEmpty ? "localhost" : host)-\(place).journal"
        }
    }
}
