import Foundation
import TestSupport
import Testing

@testable import Storage

@Suite("Migrations")
struct MigratorTests {
    @Test("the bundled migrations create the registry schema, once", arguments: Backend.allCases)
    func bundledMigrationsApplyOnce(backend: Backend) throws {
        try TestDatabase.with(backend) { db, _ throws in
            let migrator = try Migrator(for: db)
            let all = [
                "0001_registry", "0002_request_log_indexes", "0003_request_log_writes",
                "0004_request_log_body_encoding", "0005_search_trials",
                "0006_model_samples", "0007_online_runs", "0008_feedback", "0009_model_profiles", "0010_traffic_splits",
                "0011_request_minutes", "0012_model_provenance", "0013_training_jobs", "0014_request_log_partitions",
                "0015_data_profiles", "0016_training_job_leases", "0017_request_log_minute_ids",
                "0018_request_log_without_model_key",
            ]
            #expect(try migrator.pending(db) == all)
            let first = try migrator.migrate(db)
            #expect(first.applied == all)
            let second = try migrator.migrate(db)
            #expect(second.applied.isEmpty)
            #expect(second.alreadyApplied == all)
            #expect(try migrator.pending(db).isEmpty)
            try db.withConnection { connection throws in
                for table in [
                    "models", "production_model", "model_assignments", "training_runs", "training_checkpoints",
                    "request_log", "schema_migrations",
                ] {
                    #expect(try connection.tableExists(SQLIdentifier(validating: table)), "\(table)")
                }
            }
            let recorded = try db.query("SELECT name, checksum FROM schema_migrations ORDER BY name")
            #expect(recorded.count == all.count)
            #expect(recorded.map { $0["checksum"] } == migrator.migrations.map { .text($0.checksum) })
        }
    }

    @Test("the registry schema enforces its keys", arguments: Backend.allCases)
    func registryConstraints(backend: Backend) throws {
        try TestDatabase.with(backend) { db, _ throws in
            try Migrator(for: db).migrate(db)
            let insert = "INSERT INTO models (name, version, kind, artifact) VALUES (?, ?, 'logistic', '{}')"
            try db.execute(insert, [.text("click"), .integer(1)])
            // Unique (name, version).
            let duplicate = #expect(throws: DatabaseError.self) {
                try db.execute(insert, [.text("click"), .integer(1)])
            }
            #expect(duplicate?.kind == .constraint)
            // Foreign key: production must point at a real model.
            let dangling = #expect(throws: DatabaseError.self) {
                try db.execute("INSERT INTO production_model (name, model_id) VALUES ('click', 999)")
            }
            #expect(dangling?.kind == .constraint)
            let id = try db.query("SELECT id FROM models")[0][0]
            try db.execute("INSERT INTO production_model (name, model_id) VALUES ('click', ?)", [id])
            #expect(try db.query("SELECT model_id FROM production_model WHERE name = 'click'")[0][0] == id)
            // The request log: on SQLite one row per request id; on Postgres partitioned by
            // day (0014), which a unique request id cannot span (ids are unique by
            // construction, and replay checks first), and ids compare byte-wise. Neither
            // checks model ids per row (Postgres 0003, SQLite 0018).
            let log = """
                INSERT INTO request_log (request_id, received_at, method, path, status, latency_us, model_id)
                VALUES (?, ?, 'POST', '/predict', 200, 5, ?)
                """
            try db.execute(log, [.text("a-1"), .timestamp(Date()), id])
            if backend == .sqlite {
                #expect(throws: DatabaseError.self) { try db.execute(log, [.text("a-1"), .timestamp(Date()), id]) }
            }
            try db.execute(log, [.text("a-2"), .timestamp(Date()), .integer(999)])
            if backend == .postgres {
                #expect(try db.query("SELECT relkind FROM pg_class WHERE relname = 'request_log'")[0][0] == .text("p"))
                #expect(
                    try db.query(
                        "SELECT collation_name FROM information_schema.columns WHERE table_name = 'request_log' AND column_name = 'request_id'"
                    )[0][0] == .text("C"))
            }
        }
    }

    /// 0018 rebuilds SQLite's request log (SQLite cannot drop its foreign key in place): the
    /// rows logged before it keep every value and their ids, which the minute bounds name.
    @Test("rebuilding SQLite's request log without its model key keeps every row and id")
    func requestLogRebuild() throws {
        try TestDatabase.with(.sqlite) { db, _ throws in
            let bundled = try Migration.bundled(for: .sqlite)
            try Migrator(migrations: bundled.filter { $0.name < "0018" }).migrate(db)
            try db.execute("INSERT INTO models (id, name, version, kind, artifact) VALUES (3, 'm', 1, 'logistic', '{}')")
            let insert = """
                INSERT INTO request_log (id, request_id, received_at, method, path, status, latency_us, model_id,
                    request_body, response_body, client_address, request_body_encoding, response_body_encoding)
                VALUES (?, ?, ?, 'POST', ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
            let rows: [[SQLValue]] = [
                [.integer(5), .text("p-1"), .timestamp(Date(timeIntervalSince1970: 1_790_000_000.25)), .text("/predict"),
                 .integer(200), .integer(41), .integer(3), .text("{\"x\": 1}"), .text("{\"p\": 0.5}"),
                 .text("10.0.0.1"), .null, .null],
                [.integer(9), .text("p-2"), .timestamp(Date(timeIntervalSince1970: 1_790_000_061)), .text("/models"),
                 .integer(404), .integer(0), .null, .null, .text("AAEC"), .text("::1"), .null, .text("base64")],
            ]
            for row in rows { try db.execute(insert, row) }
            try db.execute("INSERT INTO request_log_minute_ids (minute, first_id, last_id) VALUES ('2026-09-21T14:13', 5, 9)")
            let columns = "id, request_id, received_at, path, status, latency_us, model_id, request_body, response_body, client_address, request_body_encoding, response_body_encoding"
            let before = try db.query("SELECT \(columns) FROM request_log ORDER BY id").map(\.values)

            #expect(try Migrator(for: db).migrate(db).applied == ["0018_request_log_without_model_key"])
            #expect(try db.query("SELECT \(columns) FROM request_log ORDER BY id").map(\.values) == before)
            #expect(try db.query("SELECT first_id, last_id FROM request_log_minute_ids")[0].values == [.integer(5), .integer(9)])
            #expect(
                try db.query("SELECT count(*) FROM pragma_foreign_key_list('request_log')")[0][0] == .integer(0))
            // Still one row per request id; new rows take ids after the old.
            let again = "INSERT INTO request_log (request_id, received_at, method, path, status, latency_us) VALUES (?, ?, 'GET', '/', 200, 1)"
            #expect(throws: DatabaseError.self) { try db.execute(again, [.text("p-2"), .timestamp(Date())]) }
            try db.execute(again, [.text("p-3"), .timestamp(Date())])
            #expect(try db.query("SELECT id FROM request_log WHERE request_id = 'p-3'")[0][0] == .integer(10))
        }
    }

    @Test("a migration edited after it was applied is an error naming it", arguments: Backend.allCases)
    func checksumGuard(backend: Backend) throws {
        try TestDatabase.with(backend) { db, _ throws in
            try Migrator(migrations: [Migration(name: "0001_first", sql: "CREATE TABLE a (x INTEGER)")]).migrate(db)
            let edited = Migrator(migrations: [Migration(name: "0001_first", sql: "CREATE TABLE a (x TEXT)")])
            let error = #expect(throws: DatabaseError.self) { try edited.migrate(db) }
            #expect(error?.kind == .migration)
            #expect(error?.message.contains("migration 0001_first was changed after it was applied") == true)
            #expect(throws: DatabaseError.self) { try edited.pending(db) }
        }
    }

    @Test("a failing migration leaves neither its changes nor its record", arguments: Backend.allCases)
    func failedMigrationRollsBack(backend: Backend) throws {
        try TestDatabase.with(backend) { db, _ throws in
            let migrator = Migrator(migrations: [
                Migration(name: "0001_ok", sql: "CREATE TABLE ok (x INTEGER)"),
                Migration(name: "0002_bad", sql: "CREATE TABLE half (x INTEGER); CREATE TABLE broken (x NOSUCHTYPE"),
            ])
            let error = #expect(throws: DatabaseError.self) { try migrator.migrate(db) }
            #expect(error?.message.contains("migration 0002_bad failed") == true)
            try db.withConnection { connection throws in
                #expect(try connection.tableExists(SQLIdentifier(validating: "ok")))
                #expect(try !connection.tableExists(SQLIdentifier(validating: "half")))
            }
            #expect(try db.query("SELECT name FROM schema_migrations").map { $0[0] } == [.text("0001_ok")])
        }
    }

    @Test("two migrators racing apply each migration once", arguments: Backend.allCases)
    func concurrentMigrators(backend: Backend) throws {
        try TestDatabase.with(backend) { _, url throws in
            let failures = Failures()
            DispatchQueue.concurrentPerform(iterations: 6) { _ in
                do {
                    let db = try openDatabase(url, maxConnections: 1)
                    defer { db.close() }
                    try Migrator(for: db).migrate(db)
                } catch {
                    failures.add("\(error)")
                }
            }
            #expect(failures.all.isEmpty, "\(failures.all)")
            let db = try openDatabase(url, maxConnections: 1)
            defer { db.close() }
            let bundled = try Migration.bundled(for: db.dialect).count
            #expect(try db.query("SELECT count(*) FROM schema_migrations")[0][0] == .integer(Int64(bundled)))
        }
    }

    @Test("files are chosen per dialect and numbered uniquely")
    func selection() throws {
        let files = [
            (name: "0001_a.postgres.sql", sql: "pg"), (name: "0001_a.sqlite.sql", sql: "lite"),
            (name: "0002_b.sql", sql: "both"),
        ]
        #expect(try Migration.select(from: files, for: .postgres).map(\.sql) == ["pg", "both"])
        #expect(try Migration.select(from: files, for: .sqlite).map(\.sql) == ["lite", "both"])
        #expect(throws: DatabaseError.self) {
            try Migration.select(from: [(name: "1_x.sql", sql: "")], for: .sqlite)
        }
        #expect(throws: DatabaseError.self) {
            try Migration.select(from: [(name: "0001_x.sql", sql: ""), (name: "0001_y.sql", sql: "")], for: .sqlite)
        }
    }
}
