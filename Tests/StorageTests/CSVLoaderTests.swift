import Foundation
import TestSupport
import Testing

@testable import Storage

@Suite("CSV loading")
struct CSVLoaderTests {
    func load(_ text: String, into db: any Database, table: String = "data", mode: LoadMode = .create) throws
        -> CSVLoader.Summary
    {
        let path = try temporaryFile(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try CSVLoader(path: path, table: table, mode: mode).load(into: db)
    }

    func tableExists(_ db: any Database, _ name: String) throws -> Bool {
        try db.withConnection { try $0.tableExists(SQLIdentifier(validating: name)) }
    }

    @Test("types are inferred from every value and values load typed", arguments: Backend.allCases)
    func inferredTypes(backend: Backend) throws {
        try TestDatabase.with(backend) { db, _ throws in
            let csv = """
                id,score,active,seen_at,label,mixed,empty
                1,0.5,true,2024-01-02,"a, b",1,
                2,,F,2024-01-03T04:05:06Z,c,2.5,
                -3,1e3,t,,"",x,
                """
            let summary = try load(csv, into: db)
            #expect(summary.rows == 3)
            #expect(summary.created)
            #expect(summary.columns.map(\.type) == [.integer, .double, .boolean, .timestamp, .text, .text, .text])
            let rows = try db.query("SELECT * FROM data ORDER BY id")
            #expect(rows[0].values[0...2] == [.integer(-3), .double(1000), .bool(true)])
            #expect(rows[1]["label"] == .text("a, b"))
            #expect(rows[2]["score"] == .null)
            #expect(rows[2]["active"] == .bool(false))
            #expect(rows[2]["seen_at"].date == Date(timeIntervalSince1970: 1_704_254_706))
            #expect(rows[0]["label"] == .null)  // an empty field, quoted or not, is NULL
            #expect(rows.allSatisfy { $0["empty"] == .null })
        }
    }

    @Test(
        "an existing table needs --append or --replace; --replace swaps the contents atomically, --append keeps them",
        arguments: Backend.allCases)
    func replaceIsAtomic(backend: Backend) throws {
        try TestDatabase.with(backend) { db, _ throws in
            _ = try load("v\n1\n2\n", into: db)
            // A second plain load would double the rows: it is refused, naming both options.
            let again = #expect(throws: CSVError.self) { try load("v\n1\n2\n", into: db) }
            #expect(again?.description.contains("table data already exists; use --append") == true)
            #expect(again?.description.contains("or --replace") == true)
            #expect(try db.query("SELECT count(*) FROM data")[0][0] == .integer(2))
            let appended = try load("v\n3\n", into: db, mode: .append)
            #expect(!appended.created && !appended.replaced)
            #expect(try db.query("SELECT count(*) FROM data")[0][0] == .integer(3))
            // Appending needs the file's columns in the table.
            let wider = #expect(throws: CSVError.self) { try load("v,extra\n4,5\n", into: db, mode: .append) }
            #expect(wider?.description.contains("table data has no column extra") == true)
            // A bad file with --replace leaves the old table whole.
            #expect(throws: CSVError.self) { try load("v\n10\n\"11\n", into: db, mode: .replace) }
            #expect(try db.query("SELECT count(*) FROM data")[0][0] == .integer(3))
            let summary = try load("v,w\n10,x\n", into: db, mode: .replace)
            #expect(summary.replaced)
            #expect(try db.query("SELECT v, w FROM data").map(\.values) == [[.integer(10), .text("x")]])
        }
    }

    @Test("a value past the sampled rows that widens a type reloads with the wider type", arguments: Backend.allCases)
    func lateTypeWidening(backend: Backend) throws {
        try TestDatabase.with(backend) { db, _ throws in
            let rows = CSVLoader.sampleRows + 5_000
            let csv =
                "n,label\n"
                + (1...rows).map { $0 == rows ? "2.5,late" : "\($0),\($0 == rows - 1 ? "x" : "\($0)")" }
                .joined(separator: "\n")
            let summary = try load(csv, into: db)
            #expect(summary.rows == rows)
            #expect(summary.columns.map(\.type) == [.double, .text])
            let last = try db.query("SELECT n, label FROM data WHERE label = 'late'")
            #expect(last.map(\.values) == [[.double(2.5), .text("late")]])
            #expect(try db.query("SELECT count(*) FROM data")[0][0] == .integer(Int64(rows)))
        }
    }

    @Test("a broken row past the sampled rows fails the load and writes nothing", arguments: Backend.allCases)
    func lateBrokenRow(backend: Backend) throws {
        try TestDatabase.with(backend) { db, _ throws in
            let rows = CSVLoader.sampleRows * 2
            let csv = "a,b\n" + (1...rows).map { $0 == rows - 10 ? "\($0)" : "\($0),\($0)" }.joined(separator: "\n")
            let error = #expect(throws: CSVError.self) { try load(csv, into: db) }
            #expect(error?.line == rows - 10 + 1)
            #expect(error?.message.contains("expected 2 fields as in the header, found 1") == true)
            #expect(try !tableExists(db, "data"))
        }
    }

    @Test("a row the database refuses late in the file leaves the table as it was", arguments: Backend.allCases)
    func lateDatabaseFailureRollsBack(backend: Backend) throws {
        try TestDatabase.with(backend) { db, _ throws in
            try db.execute("CREATE TABLE data (v BIGINT CHECK (v < 150000))")
            try db.execute("INSERT INTO data VALUES (7)")
            let csv = "v\n" + (1...160_000).map(String.init).joined(separator: "\n")
            let error = #expect(throws: DatabaseError.self) { try load(csv, into: db, mode: .append) }
            #expect(error?.kind == .constraint)
            #expect(try db.query("SELECT count(*) FROM data")[0][0] == .integer(1))
        }
    }

    @Test("bad files are refused with a clear error and nothing written", arguments: Backend.allCases)
    func badFiles(backend: Backend) throws {
        let cases: [(String, [UInt8], String)] = [
            ("empty file", [], "the file is empty"),
            ("header only", Array("a,b\n".utf8), "has a header but no data rows"),
            ("duplicate column", Array("a,B,b\n1,2,3\n".utf8), "column 3: duplicate column name 'b' (also column 2)"),
            ("empty column name", Array("a,,c\n1,2,3\n".utf8), "column 2: empty column name"),
            ("bad column name", Array("a,b;c\n1,2\n".utf8), "invalid column name 'b;c'"),
            ("ragged row", Array("a,b\n1,2\n3\n".utf8), ":3: expected 2 fields as in the header, found 1"),
            ("unterminated quote", Array("a,b\n1,\"2\n".utf8), ":2: column 2: unterminated quoted field"),
            ("invalid UTF-8", Array("a,b\n1,ok\n2,".utf8) + [0xC3, 0x28] + [10], ":3: column 2 (b): not valid UTF-8"),
        ]
        try TestDatabase.with(backend) { db, _ throws in
            for (name, bytes, message) in cases {
                let path = try temporaryFile(bytes)
                defer { try? FileManager.default.removeItem(atPath: path) }
                let error = #expect(throws: CSVError.self, "\(name)") {
                    try CSVLoader(path: path, table: "bad").load(into: db)
                }
                #expect(error?.description.contains(message) == true, "\(name): \(error?.description ?? "no error")")
                #expect(error?.file == path)
                #expect(try !tableExists(db, "bad"), "\(name)")
            }
            let missing = #expect(throws: CSVError.self) {
                try CSVLoader(path: "/nonexistent/leads.csv", table: "bad").load(into: db)
            }
            #expect(missing?.description == "/nonexistent/leads.csv: no such file")
        }
    }

    @Test("table names cannot inject SQL or overwrite the registry", arguments: Backend.allCases)
    func hostileTableNames(backend: Backend) throws {
        try TestDatabase.with(backend) { db, _ throws in
            try Migrator(for: db).migrate(db)
            for name in ["x; DROP TABLE models", "models\"", "", "1abc", "a.b"] {
                let error = #expect(throws: DatabaseError.self) { try load("a\n1\n", into: db, table: name) }
                #expect(error?.message.contains("table name") == true, "\(name)")
            }
            // The caller names the tables it owns; the migrations' own record is always refused.
            let path = try temporaryFile("a\n1\n")
            defer { try? FileManager.default.removeItem(atPath: path) }
            for (table, protected) in [("models", Set(["models"])), ("schema_migrations", [])] {
                let registry = #expect(throws: DatabaseError.self) {
                    try CSVLoader(path: path, table: table, mode: .replace, protectedTables: protected).load(into: db)
                }
                #expect(registry?.message.contains("belongs to the model registry") == true)
                #expect(try tableExists(db, table))
            }
        }
    }

    @Test("memory stays flat while loading a large file", arguments: Backend.allCases)
    func memoryIsFlat(backend: Backend) throws {
        try TestDatabase.with(backend) { db, _ throws in
            // 400k rows x 5 columns: well over 60 MB if rows were held as values.
            let path = temporaryPath(suffix: ".csv")
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            handle.write(Data("a,b,c,d,e\n".utf8))
            var chunk = ""
            for i in 0..<400_000 {
                chunk += "\(i),\(Double(i) * 0.5),row number \(i),\(i % 2 == 0),2024-01-01\n"
                if i % 10_000 == 9_999 {
                    handle.write(Data(chunk.utf8))
                    chunk = ""
                }
            }
            try handle.close()
            let before = residentBytes()
            var peak = before
            let summary = try CSVLoader(path: path, table: "big").load(into: db) { _ in
                peak = max(peak, residentBytes())
            }
            peak = max(peak, residentBytes())
            #expect(summary.rows == 400_000)
            let totals = try db.query("SELECT count(*), sum(a) FROM big")[0]
            #expect(totals[0] == .integer(400_000))
            #expect(totals[1].double == 79_999_800_000)  // Postgres sums bigints as numeric
            #expect(peak - before < 40 << 20, "resident memory grew by \((peak - before) >> 20) MB")
        }
    }
}

@Suite("Postgres failures", .serialized)
struct PostgresFailureTests {
    @Test("an unreachable server is named by host and port, without the password")
    func unreachable() throws {
        let port = try freeLocalPort()
        let error = #expect(throws: DatabaseError.self) {
            try openDatabase("postgres://ann:s3cret-pw@127.0.0.1:\(port)/db")
        }
        #expect(error?.kind == .connection)
        #expect(error?.message.contains("127.0.0.1:\(port)") == true, "\(error?.message ?? "")")
        #expect(error?.description.contains("s3cret-pw") == false)
    }

    @Test("a wrong password says so, without the password")
    func wrongPassword() throws {
        let admin = try TestDatabase.postgresAdminURL
        let wrong = admin.replacingOccurrences(of: ":modelserve-test@", with: ":not-the-password@")
        let error = #expect(throws: DatabaseError.self) { try openDatabase(wrong) }
        #expect(error?.kind == .connection)
        #expect(error?.message.contains("password authentication failed") == true, "\(error?.message ?? "")")
        #expect(error?.description.contains("not-the-password") == false)
    }

    @Test("a Postgres that goes away mid-load fails the load and writes nothing")
    func serverGoesAwayMidLoad() throws {
        let (url, cleanup) = try TestDatabase.makeURL(.postgres)
        defer { cleanup() }
        let databaseName = String(url.split(separator: "/").last!)
        let csv = "a,b\n" + (0..<300_000).map { "\($0),text \($0)" }.joined(separator: "\n")
        let path = try temporaryFile(csv)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let admin = try openDatabase(TestDatabase.postgresAdminURL, maxConnections: 1)
        defer { admin.close() }
        let db = try openDatabase(url, maxConnections: 1)
        defer { db.close() }
        var terminated = 0
        let error = #expect(throws: DatabaseError.self) {
            try CSVLoader(path: path, table: "doomed").load(into: db) { rows in
                // Once, after 50,000 rows: kill the loading backend.
                if rows >= 50_000 && terminated == 0 {
                    terminated =
                        try! admin.query(
                            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()",
                            [.text(databaseName)])[0][0].int64.map(Int.init) ?? 0
                }
            }
        }
        #expect(terminated == 1)
        #expect(error?.kind == .connection, "\(error.map { "\($0)" } ?? "")")
        // A fresh connection (the pool replaces the dead one) sees no table.
        #expect(try db.withConnection { try $0.tableExists(SQLIdentifier(validating: "doomed")) } == false)
    }
}
