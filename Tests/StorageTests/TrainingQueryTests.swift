import Foundation
import Storage
import TestSupport
import Testing

@Suite("Training queries: one read-only statement")
struct TrainingQueryTests {
    @Test(
        "one SELECT, WITH, VALUES or TABLE passes, whatever strings and comments hold",
        arguments: [
            "SELECT 1 AS x",
            "  with x as (select 1 as a) select * from x ;  -- done",
            "VALUES (1, 2)",
            "TABLE leads",
            "SELECT ';' AS s, 'it''s; fine' AS t",
            "SELECT $$;DROP TABLE x;$$ AS s",
            "SELECT $tag$ ; $ $tag$ AS s",
            "SELECT E'\\'; DROP' AS s",
            "SELECT \"we;ird\" FROM t /* ; nested /* ; */ still ; */",
            "SELECT pg_sleeper FROM t",  // a column, not the function
        ])
    func accepted(sql: String) throws {
        let query = try TrainingQuery(validating: sql)
        #expect(!query.text.hasSuffix(";"))
        #expect(query.wrapped.hasPrefix("SELECT * FROM ("))
    }

    @Test(
        "anything else is refused before it reaches the database, naming why",
        arguments: [
            ("COPY (SELECT 1) TO PROGRAM 'id > /tmp/x'", "starts with COPY"),
            ("SELECT 1; DROP TABLE models", "only one statement"),
            ("SELECT 1;SELECT 2", "only one statement"),
            ("ATTACH DATABASE '/tmp/x.sqlite' AS x", "starts with ATTACH"),
            ("PRAGMA max_page_count = 1", "starts with PRAGMA"),
            ("DELETE FROM models", "starts with DELETE"),
            ("SELECT pg_sleep(15)", "pg_sleep() is not allowed"),
            ("select lo_import ('/etc/passwd')", "lo_import() is not allowed"),
            ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity", "pg_terminate_backend() is not allowed"),
            ("SELECT * FROM PG_READ_FILE('/etc/passwd')", "pg_read_file() is not allowed"),
            ("SELECT 'unterminated", "unterminated string"),
            ("-- only a comment", "empty"),
        ])
    func refused(sql: String, reason: String) {
        do {
            _ = try TrainingQuery(validating: sql)
            Issue.record("accepted: \(sql)")
        } catch {
            #expect("\(error)".contains(reason), "\(sql): \(error)")
        }
    }

    @Test("a read-only connection cannot write, ATTACH or PRAGMA, and stops a long query", arguments: Backend.allCases)
    func readOnlyConnection(backend: Backend) throws {
        try TestDatabase.with(backend) { database, _ in
            try database.execute("CREATE TABLE t (x INTEGER)")
            try database.execute("INSERT INTO t VALUES (1)")
            let writes = [
                "INSERT INTO t VALUES (2)", "CREATE TABLE u (y INTEGER)",
                backend == .sqlite ? "ATTACH DATABASE '\(temporaryPath()).sqlite' AS other" : "CREATE TEMP TABLE v (z INT)",
                backend == .sqlite ? "PRAGMA max_page_count = 1" : "DROP TABLE t",
            ]
            for sql in writes {
                #expect(throws: DatabaseError.self, "\(sql)") {
                    try database.withReadOnlyConnection(timeout: 5) { try $0.execute(sql, []) }
                }
            }
            #expect(try database.query("SELECT count(*) FROM t")[0][0].int64 == 1)
            // The pool's connections are unaffected: ordinary writes still work.
            try database.execute("INSERT INTO t VALUES (3)")
            #expect(try database.withReadOnlyConnection(timeout: 5) { try $0.query("SELECT x FROM t", []).count } == 2)
            let endless =
                backend == .sqlite
                ? "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT count(*) FROM c"
                : "SELECT count(*) FROM generate_series(1, 10000000000)"
            let started = Date()
            #expect(throws: DatabaseError.self) {
                try database.withReadOnlyConnection(timeout: 0.3) { try $0.query(endless, []) }
            }
            #expect(Date().timeIntervalSince(started) < 10)
        }
    }
}
