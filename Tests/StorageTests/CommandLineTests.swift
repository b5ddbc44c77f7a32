import Foundation
import Storage
import TestSupport
import Testing

@Suite("The modelserve command")
struct CommandLineTests {
    @Test(
        "every subcommand has help that mentions --database", arguments: [["migrate"], ["load"], ["train"], ["serve"]])
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
        let count = try Migration.bundled(for: backend == .sqlite ? .sqlite : .postgres).count
        #expect(first.stdout.contains("applied \(count) of \(count) migrations"))
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
        // Without --append or --replace an existing table is an error that names both.
        let twice = try ModelServeBinary.run(["load", csv, "--table", "things"], environment: env)
        #expect(twice.status == 1)
        #expect(twice.stderr.contains("table things already exists; use --append"), "\(twice.stderr)")
        let appended = try ModelServeBinary.run(["load", csv, "--table", "things", "--append"], environment: env)
        #expect(appended.stdout.contains("loaded 2 rows into things (appended to"), "\(appended.stderr)")
        let both = try ModelServeBinary.run(
            ["load", csv, "--table", "things", "--append", "--replace"], environment: env)
        #expect(both.status == 64)
        #expect(both.stderr.contains("--replace and --append exclude each other"))
        // The registry's tables, including those of later migrations, are never written.
        let registry = try ModelServeBinary.run(
            ["load", csv, "--table", "model_samples", "--replace"], environment: env)
        #expect(registry.status == 1)
        #expect(registry.stderr.contains("table 'model_samples' belongs to the model registry"))
    }

    @Test(
        "load --index indexes a column in the same transaction; an unknown column loads nothing",
        arguments: Backend.allCases)
    func loadWithIndex(backend: Backend) throws {
        let (url, cleanup) = try TestDatabase.makeURL(backend)
        defer { cleanup() }
        let env = ["DATABASE_URL": url]
        let csv = try temporaryFile("id,v\n1,x\n2,y\n")
        defer { try? FileManager.default.removeItem(atPath: csv) }
        let refused = try ModelServeBinary.run(["load", csv, "--table", "keyed", "--index", "nope"], environment: env)
        #expect(refused.status == 1 && refused.stderr.contains("--index nope is not a column"), "\(refused.stderr)")
        let plain = try ModelServeBinary.run(["load", csv, "--table", "plain"], environment: env)
        #expect(plain.status == 0)
        let keyed = try ModelServeBinary.run(["load", csv, "--table", "keyed", "--index", "id"], environment: env)
        #expect(keyed.status == 0, "\(keyed.stderr)")
        let database = try openDatabase(url, maxConnections: 1)
        defer { database.close() }
        try database.withConnection { connection in
            #expect(try connection.isIndexed(SQLIdentifier(validating: "keyed", what: "t"), column: "id"))
            #expect(try !connection.isIndexed(SQLIdentifier(validating: "keyed", what: "t"), column: "v"))
            #expect(try !connection.isIndexed(SQLIdentifier(validating: "plain", what: "t"), column: "id"))
            try connection.execute("CREATE TABLE pk (id INTEGER PRIMARY KEY, v TEXT)", [])
            #expect(try connection.isIndexed(SQLIdentifier(validating: "pk", what: "t"), column: "id"), "a primary key")
        }
        #expect(try database.query("SELECT count(*) FROM keyed")[0][0].int64 == 2, "loaded once, by the second command")
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

    @Test("load reads Parquet by its first bytes, whatever the name, and refuses what it cannot read in one line")
    func loadParquet() throws {
        let (url, cleanup) = try TestDatabase.makeURL(.sqlite)
        defer { cleanup() }
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Fixtures/parquet")
        // The brief's files are called .parquet.gzip.
        let renamed = temporaryPath() + ".parquet.gzip"
        try FileManager.default.copyItem(
            atPath: fixtures.appendingPathComponent("types-gzip-v1.parquet").path, toPath: renamed)
        defer { try? FileManager.default.removeItem(atPath: renamed) }
        let load = try ModelServeBinary.run(["load", renamed, "--table", "leads", "--database", url])
        #expect(load.status == 0, "\(load.stderr)")
        #expect(load.stdout.contains("loaded 60 rows into leads (created; id integer, flag boolean"), "\(load.stdout)")
        // --dry-run reads everything and needs no database.
        let dry = try ModelServeBinary.run(
            ["load", renamed, "--table", "x", "--dry-run", "--database", "sqlite:/nonexistent/folder/x.sqlite"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("reads as 60 rows (id integer, flag boolean"), "\(dry.stdout)")
        #expect(dry.stdout.contains("nothing written"))
        let brotli = fixtures.appendingPathComponent("refused-brotli.parquet").path
        let refused = try ModelServeBinary.run(["load", brotli, "--table", "b", "--database", url])
        #expect(refused.status == 1)
        #expect(
            refused.stderr
                == "error: \(brotli): row group 0: column id: page 1: codec brotli is not supported (snappy, gzip, zstd and uncompressed are); rewrite the file with one of those\n"
        )
    }

    @Test("a bad database URL is a usage error naming the problem")
    func badURL() throws {
        let result = try ModelServeBinary.run(["migrate", "--database", "mysql://x/y"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("unsupported database URL scheme 'mysql'"))
    }
}
