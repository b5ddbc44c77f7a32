import Foundation
import TestSupport
import Testing

@testable import Storage

/// Parquet files written by pyarrow and fastparquet (scripts/reference/make_parquet_fixtures.py)
/// load into tables equal to what pyarrow reads from them, on both backends.
@Suite("Parquet loading")
struct ParquetLoaderTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/parquet")

    struct Expected: Decodable {
        struct Column: Decodable {
            let name: String
            let type: String
        }
        let columns: [Column]
        let rows: [[Cell?]]
    }

    /// A value as the reference script wrote it: a number, a string, a boolean, or a timestamp.
    enum Cell: Decodable, Equatable {
        case number(Double), text(String), bool(Bool), seconds(Double), hex(String)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let b = try? container.decode(Bool.self) {
                self = .bool(b)
            } else if let n = try? container.decode(Double.self) {
                self = .number(n)
            } else if let s = try? container.decode(String.self) {
                self = .text(s)
            } else if let hex = try? container.decode([String: String].self)["hex"] {
                self = .hex(hex)
            } else {
                self = .seconds(try container.decode([String: Double].self)["seconds"] ?? .nan)
            }
        }
    }

    static let expected: [String: Expected] = {
        let data = try! Data(contentsOf: folder.appendingPathComponent("expected.json"))
        return try! JSONDecoder().decode([String: Expected].self, from: data)
    }()

    static var files: [String] { expected.keys.sorted() }

    static func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// Compares a loaded row's value with the reference's, exactly but for timestamps (to the
    /// microsecond: nanoseconds do not survive a Date).
    static func matches(_ value: SQLValue, _ cell: Cell?, type: String) -> Bool {
        switch (cell, value) {
        case (nil, .null): return true
        case (.bool(let b)?, _): return value.bool == b
        case (.number(let n)?, _) where type == "integer": return value.int64 == Int64(exactly: n)
        case (.number(let n)?, _): return value.double == n
        case (.text(let s)?, .text(let t)): return s == t
        case (.hex(let h)?, .bytes(let b)): return b.map { String(format: "%02x", $0) }.joined() == h
        case (.seconds(let s)?, _):
            guard let date = value.date else { return false }
            return abs(date.timeIntervalSince1970 - s) < 1e-6 * max(1, abs(s) / 1e9)
        default: return false
        }
    }

    func check(_ name: String, in db: any Database, keepIndex: Bool = false) throws {
        let expected = try #require(Self.expected[name])
        let table = "t_" + name.replacingOccurrences(of: "-", with: "_").replacingOccurrences(of: ".parquet", with: "")
        let loader = ParquetLoader(path: Self.path(name), table: table, options: LoadOptions(keepIndex: keepIndex))
        let summary = try loader.load(into: db) { _ in }
        let columns = expected.columns.filter { keepIndex || !$0.name.hasPrefix("__index_level_") }
        #expect(summary.columns.map(\.name) == columns.map(\.name), "\(name)")
        #expect(summary.columns.map(\.type.rawValue) == columns.map(\.type), "\(name)")
        #expect(summary.rows == expected.rows.count, "\(name)")
        // Every fixture has an id column, in file order or not (the pandas one is shuffled).
        let rows = try db.query("SELECT * FROM \(table) ORDER BY id")
        #expect(rows.count == expected.rows.count)
        let idColumn = try #require(expected.columns.firstIndex { $0.name == "id" })
        func id(_ row: [Cell?]) -> Double {
            if case .number(let n)? = row[idColumn] { return n }
            return .nan
        }
        let byID = expected.rows.sorted { id($0) < id($1) }
        var mismatches: [String] = []
        for (r, row) in rows.enumerated() {
            for column in columns {
                let k = expected.columns.firstIndex { $0.name == column.name }!
                let value = row[column.name]
                if !Self.matches(value, byID[r][k], type: column.type) {
                    mismatches.append(
                        "row \(r) \(column.name): loaded \(value), pyarrow \(String(describing: byID[r][k]))")
                }
            }
        }
        #expect(mismatches.isEmpty, "\(name): \(mismatches.prefix(5).joined(separator: "; "))")
    }

    @Test(
        "every fixture (types with nulls; each codec; v1 and v2 pages; dictionary fallback; DELTA and BYTE_STREAM_SPLIT; INT96; row groups; fastparquet) loads as pyarrow reads it",
        arguments: Backend.allCases)
    func fixtures(backend: Backend) throws {
        try TestDatabase.with(backend) { db, _ throws in
            for name in Self.files { try check(name, in: db) }
        }
    }

    @Test(
        "appending a file to the table it made (text COPY on Postgres, where a new table takes binary) adds equal rows",
        arguments: Backend.allCases)
    func append(backend: Backend) throws {
        try TestDatabase.with(backend) { db, _ throws in
            let path = Self.path("types-snappy-v2.parquet")
            _ = try ParquetLoader(path: path, table: "twice", options: LoadOptions()).load(into: db)
            let again = try ParquetLoader(path: path, table: "twice", options: LoadOptions(mode: .append)).load(
                into: db)
            #expect(!again.created && !again.replaced)
            let counts = try db.query("SELECT count(*), count(DISTINCT id) FROM twice")[0]
            #expect(counts[0] == .integer(120) && counts[1] == .integer(60))
            // Each id's two rows agree in every column.
            let differing = try db.query(
                """
                SELECT count(*) FROM twice a JOIN twice b ON a.id = b.id
                WHERE a.label IS DISTINCT FROM b.label OR a.at_us IS DISTINCT FROM b.at_us
                   OR a.price IS DISTINCT FROM b.price OR a.flag IS DISTINCT FROM b.flag
                """)
            #expect(differing[0][0] == .integer(0))
        }
    }

    @Test("pandas' index column is skipped unless --keep-index")
    func pandasIndex() throws {
        try TestDatabase.with(.sqlite) { db, _ throws in
            try check("pandas-index.parquet", in: db, keepIndex: true)
            #expect(
                try db.query("SELECT __index_level_0__ FROM t_pandas_index ORDER BY id").map { $0[0] }
                    == (0..<6).map { .integer(Int64($0)) })
        }
    }

    func failure(_ bytes: [UInt8], in db: any Database) throws -> String {
        let path = try temporaryFile(bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try ParquetLoader(path: path, table: "broken", options: LoadOptions()).load(into: db) { _ in }
        } catch let error as ParquetError {
            #expect(error.file == path)
            return error.description.replacingOccurrences(of: path, with: "FILE")
        }
        Issue.record("no error")
        return ""
    }

    @Test("corrupt, truncated and unsupported files are refused with an error naming where, and nothing written")
    func refusals() throws {
        let valid = Array(try Data(contentsOf: Self.folder.appendingPathComponent("types-snappy-v1.parquet")))
        try TestDatabase.with(.sqlite) { db, _ throws in
            #expect(try failure([], in: db) == "FILE: the file is empty")
            #expect(try failure(Array("a,b\n1,2\n3,4\n5,6\n".utf8), in: db).contains("not a Parquet file"))
            #expect(try failure(Array("PAR1".utf8), in: db).contains("too short for Parquet"))
            #expect(try failure(Array(valid.prefix(valid.count / 2)), in: db).contains("not a Parquet file"))
            var longFooter = valid
            longFooter[valid.count - 8 + 3] = 0x7F  // the footer length's top byte
            #expect(try failure(longFooter, in: db).contains("the footer length"))
            var badFooter = valid
            let footerLength = Int(valid[valid.count - 8]) | Int(valid[valid.count - 7]) << 8
            for i in (valid.count - 8 - footerLength)..<(valid.count - 8) { badFooter[i] = 0xFF }
            #expect(try failure(badFooter, in: db).contains("the footer is malformed"))
            for (name, message) in [
                ("refused-nested.parquet", "column tags: nested"),
                ("refused-brotli.parquet", "codec brotli is not supported"),
            ] {
                let bytes = Array(try Data(contentsOf: Self.folder.appendingPathComponent(name)))
                #expect(try failure(bytes, in: db).contains(message), "\(name)")
            }
            #expect(try !db.withConnection { try $0.tableExists(SQLIdentifier(validating: "broken")) })
        }
    }

    /// `MODELSERVE_FUZZ_SECONDS` (scripts/fuzz-parquet.sh) turns the thousand rounds into as
    /// many as fit in that time, from `MODELSERVE_FUZZ_SEED` or a fresh seed, printed so a
    /// failure can be replayed. The seeds are the committed fixtures.
    @Test("a thousand mutated files: each loads or is refused with a ParquetError, none crashes, none leaves a table")
    func mutations() throws {
        let environment = ProcessInfo.processInfo.environment
        let seconds = environment["MODELSERVE_FUZZ_SECONDS"].flatMap(Double.init)
        let seed =
            environment["MODELSERVE_FUZZ_SEED"].flatMap(UInt64.init)
            ?? (seconds == nil ? 42 : UInt64.random(in: 0...UInt64.max))
        if seconds != nil { print("fuzzing Parquet with seed \(seed)") }
        let seeds = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).filter {
            $0.hasSuffix(".parquet")
        }
        .sorted().map { Array(try Data(contentsOf: Self.folder.appendingPathComponent($0))) }
        var generator = SplitMix(seed: seed)
        let deadline = Date().addingTimeInterval(seconds ?? 0)
        try TestDatabase.with(.sqlite) { db, _ throws in
            var refused = 0
            var round = 0
            while seconds == nil ? round < 1_000 : Date() < deadline {
                var bytes = seeds[Int(generator.next() % UInt64(seeds.count))]
                for _ in 0..<(1 + Int(generator.next() % 4)) {
                    let at = Int(generator.next() % UInt64(bytes.count))
                    bytes[at] = UInt8(truncatingIfNeeded: generator.next())
                }
                let path = try temporaryFile(bytes, suffix: ".parquet")
                defer { try? FileManager.default.removeItem(atPath: path) }
                do {
                    _ = try ParquetLoader(path: path, table: "m", options: LoadOptions(mode: .replace)).load(into: db)
                } catch is ParquetError {
                    refused += 1
                } catch {
                    Issue.record("seed \(seed) round \(round): \(error)")
                }
                round += 1
            }
            if seconds != nil { print("fuzzed \(round) mutated files, \(refused) refused") }
            #expect(refused > round / 10, "mutations that break a file are noticed")
        }
    }
}

/// A small seeded generator, so a failing mutation can be replayed.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
