import Foundation
import Learning
import Registry
import Storage
import TestSupport
import Testing

/// `scripts/reference/make_profile_fixtures.py`'s table and pandas' figures for it.
struct ProfileFixture {
    let columns: [String]
    let types: [String: String]
    let rows: [[Any?]]
    let expected: [String: Any]

    static func load() throws -> ProfileFixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Fixtures/profile.json")
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        let rows = (root["rows"] as! [[Any]]).map { $0.map { $0 is NSNull ? nil : $0 } }
        return ProfileFixture(
            columns: root["columns"] as! [String], types: root["types"] as! [String: String], rows: rows,
            expected: root["expected"] as! [String: Any])
    }

    /// The table `fixture` with the fixture's columns and types, and its rows.
    func create(in database: any Database, backend: Backend) throws {
        let sqlType = { (type: String) -> String in
            switch (type, backend) {
            case ("real", .postgres): "DOUBLE PRECISION"
            case ("integer", .postgres): "BIGINT"
            default: type.uppercased()
            }
        }
        let definitions = columns.map { "\"\($0)\" \(sqlType(types[$0]!))" }.joined(separator: ", ")
        try database.execute("CREATE TABLE fixture (\(definitions))")
        let marks = columns.map { _ in "?" }.joined(separator: ", ")
        try database.transaction { connection in
            for row in rows {
                let values = zip(columns, row).map { name, value -> SQLValue in
                    guard let value else { return .null }
                    switch types[name]! {
                    case "integer": return .integer((value as! NSNumber).int64Value)
                    case "real": return .double((value as! NSNumber).doubleValue)
                    default: return .text(value as! String)
                    }
                }
                try connection.execute("INSERT INTO fixture VALUES (\(marks))", values)
            }
        }
    }
}

func close(_ got: Double?, _ want: Double?, relative: Double = 1e-9) -> Bool {
    guard let got, let want else { return got == nil && want == nil }
    if got == want { return true }
    return abs(got - want) <= relative * max(abs(got), abs(want))
}

@Suite("Data profile")
struct ProfileTests {
    /// Every figure of the profile of the fixture table, read through the query reader on
    /// each backend, equals pandas' (numpy's, scipy's) on the same rows.
    @Test(arguments: Backend.allCases)
    func figuresEqualPandas(_ backend: Backend) throws {
        let fixture = try ProfileFixture.load()
        try TestDatabase.with(backend) { database, _ in
            try fixture.create(in: database, backend: backend)
            let profile = try QueryProfiler.profile(
                database, query: "SELECT a, \"count\", level, side, wide, target FROM fixture", target: "TARGET")
            let expected = fixture.expected
            #expect(profile.rows == expected["rows"] as! Int)
            #expect(profile.duplicateRows == expected["duplicate_rows"] as! Int)
            #expect(profile.duplicatesExact && profile.sampleRows == profile.rows)
            let columns = expected["columns"] as! [String: [String: Any]]
            #expect(profile.columns.map(\.name) == fixture.columns)
            for column in profile.columns {
                let want = columns[column.name]!
                #expect(column.count == want["count"] as! Int, "\(column.name) count")
                #expect(column.nulls == want["nulls"] as! Int, "\(column.name) nulls")
                #expect(column.distinct == want["distinct"] as! Int, "\(column.name) distinct")
                if let levels = want["levels"] as? [String: Int] {
                    #expect(column.type == .text)
                    let got = column.levels!
                    #expect(Dictionary(uniqueKeysWithValues: got.top.map { ($0.value, $0.count) }) == levels)
                    #expect(got.otherRows == 0 && got.exact)
                    #expect(got.top.map(\.count) == got.top.map(\.count).sorted(by: >))
                    continue
                }
                #expect(column.type == .number, "\(column.name)")
                let numbers = try #require(column.numbers)
                for (key, got) in [
                    ("mean", numbers.mean), ("std", numbers.sd!), ("min", numbers.min), ("max", numbers.max),
                ] {
                    #expect(close(got, want[key] as? Double), "\(column.name) \(key): \(got) vs \(want[key]!)")
                }
                #expect(numbers.rankError == 0)
                for (q, value) in want["quantiles"] as! [String: Double] {
                    let got = numbers.quantile(Double(q)!)
                    #expect(close(got, value), "\(column.name) quantile \(q): \(String(describing: got)) vs \(value)")
                }
                let histogram = want["histogram"] as! [String: [Any]]
                #expect(numbers.histogram.counts == histogram["counts"] as! [Int], "\(column.name) histogram")
                let edges = (histogram["edges"] as! [NSNumber]).map(\.doubleValue)
                #expect(zip(numbers.histogram.edges, edges).allSatisfy { close($0, $1) }, "\(column.name) edges")
            }
            for (method, matrix) in [("pearson", profile.pearson), ("spearman", profile.spearman)] {
                let matrix = try #require(matrix, "\(method)")
                let want = expected[method] as! [String: [String: Any]]
                #expect(Set(matrix.columns) == Set(want.keys))
                for a in matrix.columns {
                    for b in matrix.columns {
                        let reference = want[a]![b] as? Double
                        #expect(
                            close(matrix.value(a, b), reference, relative: 1e-8),
                            "\(method) \(a)-\(b): \(String(describing: matrix.value(a, b))) vs \(String(describing: reference))"
                        )
                    }
                }
            }
            let v = try #require(profile.cramersV?.value("level", "side"))
            #expect(close(v, expected["cramers_v"] as? Double), "Cramér's V \(v)")
            #expect(profile.target == "target")
            let associations = expected["target_associations"] as! [String: [String: Double]]
            #expect(Set(profile.targetAssociations.map(\.column)) == Set(associations.keys))
            for association in profile.targetAssociations {
                let want = associations[association.column]!
                #expect(close(association.pearson, want["pearson"], relative: 1e-8), "\(association.column) r")
                #expect(close(association.spearman, want["spearman"], relative: 1e-8), "\(association.column) ρ")
                #expect(close(association.eta, want["eta"]), "\(association.column) η")
            }
            #expect(profile.targetAssociations.first?.column == "a", "strongest association first")
            // The duplicates are the only finding: nothing else in this table is suspicious.
            #expect(profile.findings.map(\.rule) == [.duplicateRows])
            #expect(profile.findings.first?.rows == 4)
        }
    }

    @Test func unknownTargetNamesTheColumns() throws {
        try TestDatabase.with(.sqlite) { database, _ in
            try database.execute("CREATE TABLE t (a INTEGER)")
            try database.execute("INSERT INTO t VALUES (1)")
            #expect {
                try QueryProfiler.profile(database, query: "SELECT a FROM t", target: "price")
            } throws: { "\($0)".contains("target 'price' is not a column of the query result (columns: a)") }
            #expect(throws: (any Error).self) { try QueryProfiler.profile(database, query: "DELETE FROM t") }
        }
    }
}
