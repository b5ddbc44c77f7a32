import Foundation
import Storage
import TestSupport
import Testing

/// The contract both drivers keep, run against a real SQLite file and a real Postgres.
@Suite("Database contract")
struct DatabaseContractTests {
    func createTyped(_ db: any Database) throws {
        let bytes = db.dialect == .postgres ? "BYTEA" : "BLOB"
        let ts = db.dialect == .postgres ? "TIMESTAMPTZ" : "TIMESTAMP"
        try db.execute(
            "CREATE TABLE typed (id INTEGER PRIMARY KEY, i BIGINT, d DOUBLE PRECISION, t TEXT, b BOOLEAN, y \(bytes), ts \(ts))"
        )
    }

    static let samples: [[SQLValue]] = [
        [
            .integer(Int64.max), .double(.greatestFiniteMagnitude), .text("plain"), .bool(true), .bytes([0, 1, 255]),
            .timestamp(Date(timeIntervalSince1970: 1_700_000_000.123456)),
        ],
        [
            .integer(Int64.min), .double(-.leastNonzeroMagnitude), .text("ünïcödé 日本語 🙂 \"quotes\" 'single' \\ back"),
            .bool(false), .bytes(Array(0...255)), .timestamp(Date(timeIntervalSince1970: -86_400 * 365.25 * 30)),
        ],
        [
            .integer(0), .double(1.0 / 3.0), .text(String(repeating: "long text ", count: 100_000)), .bool(true),
            .bytes([]), .timestamp(Date(timeIntervalSince1970: 0)),
        ],
        [.null, .null, .null, .null, .null, .null],
        [
            .integer(-1), .double(-0.0), .text(""), .bool(false), .bytes([92, 120, 48]),
            .timestamp(Date(timeIntervalSince1970: 253_402_300_799)),
        ],
    ]

    func assertRoundTrip(_ got: [SQLValue], _ want: [SQLValue]) {
        #expect(got.count == want.count)
        for (g, w) in zip(got, want) {
            switch (g, w) {
            case (.timestamp(let a), .timestamp(let b)):
                #expect(abs(a.timeIntervalSince1970 - b.timeIntervalSince1970) < 1e-6, "\(a) vs \(b)")
            case (.double(let a), .double(let b)):
                #expect(a.bitPattern == b.bitPattern || (a == 0 && b == 0), "\(a) vs \(b)")
            default:
                #expect(g == w)
            }
        }
    }

    @Test("typed values round-trip through parameters and results", arguments: Backend.allCases)
    func typesRoundTrip(backend: Backend) throws {
        try TestDatabase.with(backend) { db, _ throws in
            try createTyped(db)
            for (id, sample) in Self.samples.enumerated() {
                try db.execute(
                    "INSERT INTO typed (id, i, d, t, b, y, ts) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [.integer(Int64(id))] + sample)
            }
            let rows = try db.query("SELECT i, d, t, b, y, ts FROM typed ORDER BY id")
            #expect(rows.count == Self.samples.count)
            for (row, sample) in zip(rows, Self.samples) { assertRoundTrip(row.values, sample) }
            // By name too.
            #expect(rows[0]["t"] == .text("plain"))
            #expect(rows[0]["no_such_column"] == .null)
        }
    }

    @Test("bulk insert writes the same values as single inserts", arguments: Backend.allCases)
    func bulkInsertRoundTrip(backend: Backend) throws {
        try TestDatabase.with(backend) { db, _ throws in
            try createTyped(db)
            let columns = try ["id", "i", "d", "t", "b", "y", "ts"].map { try SQLIdentifier(validating: $0) }
            let written = try db.withConnection { connection throws in
                try connection.bulkInsert(into: SQLIdentifier(validating: "typed"), columns: columns) { sink in
                    for (id, sample) in Self.samples.enumerated() { try sink.append([.integer(Int64(id))] + sample) }
                    // Text that COPY must escape.
                    try sink.append([
                        .integer(99), .null, .null, .text("tab\there\nnewline\r\\N back\\slash"), .null, .null, .null,
                    ])
                }
            }
            #expect(written == Self.samples.count + 1)
            let rows = try db.query("SELECT i, d, t, b, y, ts FROM typed ORDER BY id")
            for (row, sample) in zip(rows, Self.samples) { assertRoundTrip(row.values, sample) }
            #expect(rows.last?["t"] == .text("tab\there\nnewline\r\\N back\\slash"))
        }
    }

    @Test("non-finite doubles survive a round trip", arguments: Backend.allCases)
    func nonFiniteDoubles(backend: Backend) throws {
        try TestDatabase.with(backend) { db, _ throws in
            try db.execute("CREATE TABLE f (id INTEGER, d DOUBLE PRECISION)")
            try db.execute("INSERT INTO f VALUES (1, ?), (2, ?)", [.double(.infinity), .double(-.infinity)])
            let rows = try db.query("SELECT d FROM f ORDER BY id")
            #expect(rows.map { $0[0] } == [.double(.infinity), .double(-.infinity)])
        }
    }

    @Test("a transaction that throws is rolled back", arguments: Backend.allCases)
    func transactionRollsBack(backend: Backend) throws {
        struct Boom: Error {}
        try TestDatabase.with(backend) { db, _ throws in
            try db.execute("CREATE TABLE t (v INTEGER)")
            #expect(throws: Boom.self) {
                try db.transaction { connection in
                    try connection.execute("INSERT INTO t VALUES (1)", [])
                    throw Boom()
                }
            }
            try db.transaction { try $0.execute("INSERT INTO t VALUES (2)", []) }
            #expect(try db.query("SELECT v FROM t").map { $0[0] } == [.integer(2)])
        }
    }

    @Test("a failing statement rolls back the whole transaction", arguments: Backend.allCases)
    func failingStatementRollsBack(backend: Backend) throws {
        try TestDatabase.with(backend) { db, _ throws in
            try db.execute("CREATE TABLE t (v INTEGER PRIMARY KEY)")
            let error = #expect(throws: DatabaseError.self) {
                try db.transaction { connection in
                    try connection.execute("INSERT INTO t VALUES (1)", [])
                    try connection.execute("INSERT INTO t VALUES (1)", [])
                }
            }
            #expect(error?.kind == .constraint)
            #expect(try db.query("SELECT count(*) FROM t")[0][0] == .integer(0))
        }
    }

    @Test(
        "a repeated write stays correct: after it failed, inside and outside transactions, and after the table changed",
        arguments: Backend.allCases)
    func repeatedWrite(backend: Backend) throws {
        try TestDatabase.with(backend, maxConnections: 1) { db, _ throws in
            try db.execute("CREATE TABLE r (k INTEGER PRIMARY KEY, v TEXT)")
            let insert = "INSERT INTO r (k, v) VALUES (?, ?)"
            for k in 1...3 { try db.execute(insert, [.integer(Int64(k)), .text("v\(k)")]) }
            #expect(throws: DatabaseError.self) { try db.execute(insert, [.integer(2), .text("again")]) }
            try db.execute(insert, [.integer(4), .null])  // no value left bound from the failed call
            try db.transaction { try $0.execute(insert, [.integer(5), .text("v5")]) }
            #expect(
                try db.query("SELECT k, v FROM r ORDER BY k").map { [$0[0], $0[1]] } == [
                    [.integer(1), .text("v1")], [.integer(2), .text("v2")], [.integer(3), .text("v3")],
                    [.integer(4), .null], [.integer(5), .text("v5")],
                ])
            try db.execute("DROP TABLE r")
            try db.execute("CREATE TABLE r (v TEXT, k INTEGER PRIMARY KEY, extra INTEGER DEFAULT 7)")
            try db.execute(insert, [.integer(9), .text("new")])
            #expect(
                try db.query("SELECT k, v, extra FROM r").map { [$0[0], $0[1], $0[2]] } == [
                    [.integer(9), .text("new"), .integer(7)]
                ])
        }
    }

    @Test("a nested transaction is refused clearly", arguments: Backend.allCases)
    func nestedTransactionRefused(backend: Backend) throws {
        try TestDatabase.with(backend) { db, _ throws in
            let error = #expect(throws: DatabaseError.self) {
                try db.transaction { connection in
                    try connection.transaction { _ in }
                }
            }
            #expect(error?.message.contains("nested") == true)
        }
    }

    @Test("a read-only transaction refuses writes", arguments: Backend.allCases)
    func readOnlyTransaction(backend: Backend) throws {
        try TestDatabase.with(backend) { db, _ throws in
            try db.execute("CREATE TABLE t (v INTEGER)")
            #expect(throws: DatabaseError.self) {
                try db.transaction(readOnly: true) { try $0.execute("INSERT INTO t VALUES (1)", []) }
            }
            // The connection is usable for writes afterwards.
            try db.execute("INSERT INTO t VALUES (2)")
            #expect(try db.query("SELECT v FROM t").map { $0[0] } == [.integer(2)])
        }
    }

    @Test("errors carry the driver code, message and SQL, never the bound values", arguments: Backend.allCases)
    func errorsCarryCodeAndSQL(backend: Backend) throws {
        try TestDatabase.with(backend) { db, _ throws in
            try db.execute("CREATE TABLE t (v TEXT PRIMARY KEY)")
            try db.execute("INSERT INTO t VALUES (?)", [.text("secret-value-42")])
            let error = #expect(throws: DatabaseError.self) {
                try db.execute("INSERT INTO t VALUES (?)", [.text("secret-value-42")])
            }
            #expect(error?.kind == .constraint)
            #expect(error?.code == (backend == .postgres ? "23505" : "SQLITE_CONSTRAINT_PRIMARYKEY"))
            #expect(error?.sql == "INSERT INTO t VALUES (?)")
            #expect(error?.description.contains("secret-value-42") == false)
            if backend == .postgres { #expect(error?.message.contains("constraint t_pkey") == true) }

            try db.execute("CREATE TABLE c (v BIGINT CHECK (v < 10))")
            let check = #expect(throws: DatabaseError.self) {
                try db.execute("INSERT INTO c VALUES (?)", [.integer(987_654)])
            }
            #expect(check?.kind == .constraint)
            #expect(check?.description.contains("987654") == false)

            let syntax = #expect(throws: DatabaseError.self) { try db.execute("SELEC 1") }
            #expect(syntax?.kind == .statement)
            #expect(syntax?.message.contains("syntax") == true)
        }
    }

    @Test("a wrong number of values for the placeholders is refused", arguments: Backend.allCases)
    func placeholderCountChecked(backend: Backend) throws {
        try TestDatabase.with(backend) { db, _ throws in
            let error = #expect(throws: DatabaseError.self) { try db.query("SELECT ?, ?", [.integer(1)]) }
            #expect(error?.message.contains("2 placeholders but 1") == true)
        }
    }

    @Test("question marks inside literals are not placeholders", arguments: Backend.allCases)
    func questionMarksInLiterals(backend: Backend) throws {
        try TestDatabase.with(backend) { db, _ throws in
            let row = try db.query("SELECT 'what?' AS a, ? AS b -- really?", [.text("yes")])[0]
            #expect(row["a"] == .text("what?"))
            #expect(row["b"] == .text("yes"))
        }
    }

    @Test("a streaming read of 1M rows keeps memory bounded by the batch", arguments: Backend.allCases)
    func streamingIsBounded(backend: Backend) throws {
        try TestDatabase.with(backend) { db, _ throws in
            // About 1M x 200 bytes: over 200 MB if the driver materialised the result.
            let sql =
                backend == .postgres
                ? "SELECT g AS n, repeat('x', 200) AS pad FROM generate_series(1, 1000000) AS g"
                : """
                WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 1000000)
                SELECT n, printf('%.200c', 'x') AS pad FROM s
                """
            let before = residentBytes()
            var peak = before
            var rows = 0
            var sum: Int64 = 0
            var largestBatch = 0
            try db.stream(sql, batchSize: 5_000) { batch in
                rows += batch.count
                largestBatch = max(largestBatch, batch.count)
                for row in batch.rows { sum += row[0].int64 ?? 0 }
                #expect(batch.columns.names == ["n", "pad"])
                if rows % 100_000 == 0 { peak = max(peak, residentBytes()) }
            }
            #expect(rows == 1_000_000)
            #expect(sum == 500_000_500_000)
            #expect(largestBatch == 5_000)
            #expect(peak - before < 64 << 20, "resident memory grew by \((peak - before) >> 20) MB")
        }
    }

    @Test("a stream whose consumer throws stops and leaves the connection usable", arguments: Backend.allCases)
    func streamConsumerThrows(backend: Backend) throws {
        struct Stop: Error {}
        try TestDatabase.with(backend, maxConnections: 1) { db, _ throws in
            let sql =
                backend == .postgres
                ? "SELECT g FROM generate_series(1, 100000) AS g"
                : "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 100000) SELECT n FROM s"
            var batches = 0
            #expect(throws: Stop.self) {
                try db.stream(sql, batchSize: 100) { _ in
                    batches += 1
                    if batches == 3 { throw Stop() }
                }
            }
            #expect(batches == 3)
            #expect(try db.query("SELECT 1 AS one")[0][0] == .integer(1))
        }
    }

    @Test("several threads share the pool safely", arguments: Backend.allCases)
    func pooledUseFromThreads(backend: Backend) throws {
        try TestDatabase.with(backend, maxConnections: 3) { db, _ throws in
            try db.execute("CREATE TABLE t (thread INTEGER, n INTEGER)")
            let threads = 8
            let perThread = 50
            let failures = Failures()
            DispatchQueue.concurrentPerform(iterations: threads) { thread in
                do {
                    for n in 0..<perThread {
                        try db.transaction { connection in
                            try connection.execute(
                                "INSERT INTO t VALUES (?, ?)", [.integer(Int64(thread)), .integer(Int64(n))])
                            _ = try connection.query(
                                "SELECT count(*) FROM t WHERE thread = ?", [.integer(Int64(thread))])
                        }
                    }
                } catch {
                    failures.add("\(error)")
                }
            }
            #expect(failures.all.isEmpty, "\(failures.all)")
            #expect(try db.query("SELECT count(*) FROM t")[0][0] == .integer(Int64(threads * perThread)))
            #expect(try db.query("SELECT count(DISTINCT thread) FROM t")[0][0] == .integer(Int64(threads)))
        }
    }

    @Test("tables and their columns can be looked up", arguments: Backend.allCases)
    func schemaLookups(backend: Backend) throws {
        try TestDatabase.with(backend) { db, _ throws in
            try db.execute("CREATE TABLE looked_up (a INTEGER, b TEXT)")
            try db.withConnection { connection throws in
                #expect(try connection.tableExists(SQLIdentifier(validating: "looked_up")))
                #expect(try !connection.tableExists(SQLIdentifier(validating: "missing_table")))
                #expect(try connection.tableColumns(SQLIdentifier(validating: "looked_up")) == ["a", "b"])
            }
        }
    }

    /// Statements are kept prepared between uses (SQLite's queries too): one kept from before
    /// a schema change must answer with the columns the table has now.
    @Test("a repeated query sees the columns a table gained since it last ran", arguments: Backend.allCases)
    func repeatedQueryAfterSchemaChange(backend: Backend) throws {
        try TestDatabase.with(backend) { db, _ throws in
            try db.execute("CREATE TABLE grown (a INTEGER)")
            try db.execute("INSERT INTO grown (a) VALUES (1)")
            try db.withConnection { connection throws in
                let before = try connection.query("SELECT * FROM grown", [])
                #expect(before.first?.columns.names == ["a"])
                try connection.execute("ALTER TABLE grown ADD COLUMN b INTEGER DEFAULT 7", [])
                let after = try connection.query("SELECT * FROM grown", [])
                #expect(after.first?.columns.names == ["a", "b"])
                #expect(after.first?["b"].int64 == 7)
                var streamed: [String] = []
                try connection.execute("ALTER TABLE grown ADD COLUMN c TEXT DEFAULT 'x'", [])
                try connection.stream("SELECT * FROM grown", [], batchSize: 10) { streamed = $0.columns.names }
                #expect(streamed == ["a", "b", "c"])
            }
        }
    }
}
