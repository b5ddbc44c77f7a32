import Foundation
public import Learning
public import Storage

/// The rows a training query returned, in the compact form the learners take, with the
/// fingerprint that identifies them.
public struct QueryData: Sendable {
    public var data: TrainingData
    public var schema: FeatureSchema
    /// SHA-256 over the column names, then every row's values (with their types) in order.
    public var fingerprint: String
    public var columns: [String]
    public var rowCount: Int { data.count }
    /// Every row the query returned, profiled in the same pass (duplicates included).
    public var profile: DataProfile
    /// Rows left out as exact duplicates of earlier ones (`dropDuplicates`).
    public var duplicatesDropped = 0
}

/// Runs a training query (checked to be one read-only statement) on a read-only connection
/// with a statement timeout, and streams its rows into column arrays, keeping only the
/// target and the features.
public enum QueryDataReader {
    public static func read(
        _ database: any Database, query text: String, target: String, features: FeatureSchema?,
        categoricalHints: [String] = [], dropDuplicates: Bool = false, timeout: Double = 300,
        progress: (Int) -> Void = { _ in }
    ) throws -> QueryData {
        let query = try TrainingQuery(validating: text)
        var collector: Collector?
        var profiler: DataProfiler?
        var dropped = 0
        var hasher = SHA256()
        var scratch: [UInt8] = []
        try database.withReadOnlyConnection(timeout: timeout) { connection in
            try connection.stream(query.wrapped, [], batchSize: 5_000) { batch in
                if collector == nil {
                    collector = try Collector(
                        columns: batch.columns.names, target: target, features: features, hints: categoricalHints)
                    profiler = DataProfiler(
                        columns: batch.columns.names,
                        target: try QueryProfiler.resolve(target, in: batch.columns.names))
                    for name in batch.columns.names { hasher.update(name + "\u{1F}") }
                    hasher.update("\u{1E}")
                }
                for row in batch.rows {
                    if profiler!.add(row.map(ProfileCell.init)), dropDuplicates {
                        dropped += 1
                        continue
                    }
                    try collector!.add(row)
                    scratch.removeAll(keepingCapacity: true)
                    for value in row { Fingerprint.append(value, to: &scratch) }
                    scratch.withUnsafeBytes { hasher.update($0) }
                }
                progress(collector!.count)
            }
        }
        guard let collector, let profiler, collector.count > 0 else {
            throw RegistryError(.noData, "the query returned no rows")
        }
        let (data, schema) = try collector.finish()
        return QueryData(
            data: data, schema: schema, fingerprint: hasher.finalize(), columns: collector.columns,
            profile: profiler.finish(), duplicatesDropped: dropped)
    }
}

/// A canonical byte form of values for fingerprints: a type tag, then fixed-width binary or
/// length-prefixed text, so the same rows hash the same on either backend.
enum Fingerprint {
    static func append(_ value: SQLValue, to bytes: inout [UInt8]) {
        func appendInteger(_ v: UInt64) {
            for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(shift))) }
        }
        switch value {
        case .null: bytes.append(0)
        case .integer(let v): bytes.append(1); appendInteger(UInt64(bitPattern: v))
        case .double(let v):
            // SQLite keeps no negative zero (it stores integral reals as integers) and NaNs
            // have many bit patterns: hash the value, not its spelling.
            bytes.append(2)
            appendInteger(v == 0 ? 0 : v.isNaN ? Double.nan.bitPattern : v.bitPattern)
        case .text(let s): bytes.append(3); appendInteger(UInt64(s.utf8.count)); bytes.append(contentsOf: s.utf8)
        case .bool(let b): bytes.append(4); bytes.append(b ? 1 : 0)
        case .bytes(let b): bytes.append(5); appendInteger(UInt64(b.count)); bytes.append(contentsOf: b)
        case .timestamp(let d): bytes.append(6); appendInteger(d.timeIntervalSince1970.bitPattern)
        }
    }
}

/// Accumulates the needed columns while rows stream by.
private struct Collector {
    let columns: [String]
    let targetIndex: Int
    var count = 0
    var target: [Double] = []
    /// Declared or inferred numeric features: values and missing flags.
    var numeric: [(name: String, index: Int, values: [Double], missing: [Bool], anyMissing: Bool)] = []
    var categorical: [(name: String, index: Int, values: [String?])] = []
    /// With inferred features, a column is numeric until a text value shows up.
    let inferring: Bool
    let hints: Set<String>

    init(columns: [String], target: String, features: FeatureSchema?, hints: [String]) throws {
        self.columns = columns
        let lowered = columns.map { $0.lowercased() }
        func index(of name: String, role: String) throws -> Int {
            if let i = columns.firstIndex(of: name) ?? lowered.firstIndex(of: name.lowercased()) { return i }
            throw RegistryError(
                .missingColumn,
                "\(role) '\(name)' is not a column of the query result (columns: \(columns.joined(separator: ", ")))")
        }
        targetIndex = try index(of: target, role: "target")
        self.hints = Set(hints.map { $0.lowercased() })
        for hint in hints { _ = try index(of: hint, role: "categorical column") }
        if let features {
            inferring = false
            for name in features.numeric {
                numeric.append((name, try index(of: name, role: "feature"), [], [], false))
            }
            for name in features.categorical {
                categorical.append((name, try index(of: name, role: "feature"), []))
            }
        } else {
            inferring = true
            for (i, name) in columns.enumerated() where i != targetIndex {
                if self.hints.contains(name.lowercased()) {
                    categorical.append((name, i, []))
                } else {
                    numeric.append((name, i, [], [], false))
                }
            }
        }
    }

    mutating func add(_ row: [SQLValue]) throws {
        count += 1
        switch row[targetIndex] {
        case .integer(let v): target.append(Double(v))
        case .double(let v): target.append(v)
        case .bool(let b): target.append(b ? 1 : 0)
        case .null:
            throw RegistryError(.badValue, "target \(columns[targetIndex]) is NULL in row \(count)")
        default:
            throw RegistryError(
                .badValue,
                "target \(columns[targetIndex]) must be numeric (0/1 for logistic); row \(count) has \(row[targetIndex].typeName)"
            )
        }
        var k = 0
        while k < numeric.count {
            let value = row[numeric[k].index]
            let number: Double?
            switch value {
            case .integer(let v): number = Double(v)
            case .double(let v): number = v
            case .bool(let b): number = b ? 1 : 0
            case .null: number = nil
            default:
                guard inferring else {
                    throw RegistryError(
                        .badValue,
                        "feature \(numeric[k].name) is declared numeric but row \(count) has \(value.typeName) \(describe(value)); declare it categorical"
                    )
                }
                // A text column: from now on categorical, with the earlier numbers as text.
                let column = numeric.remove(at: k)
                var texts: [String?] = zip(column.values, column.missing).map { $1 ? nil : format($0) }
                texts.append(text(value))
                categorical.append((column.name, column.index, texts))
                continue
            }
            numeric[k].values.append(number ?? 0)
            numeric[k].missing.append(number == nil)
            if number == nil { numeric[k].anyMissing = true }
            k += 1
        }
        for c in 0..<categorical.count where categorical[c].values.count < count {
            categorical[c].values.append(text(row[categorical[c].index]))
        }
    }

    private func text(_ value: SQLValue) -> String? {
        switch value {
        case .null: nil
        case .text(let s): s
        case .integer(let v): String(v)
        case .double(let v): format(v)
        case .bool(let b): b ? "true" : "false"
        case .timestamp(let d): Timestamp.format(d)
        case .bytes(let b): b.map { String(format: "%02x", $0) }.joined()
        }
    }

    private func format(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }

    private func describe(_ value: SQLValue) -> String {
        guard let s = text(value) else { return "" }
        return "'\(s.count > 40 ? s.prefix(40) + "…" : s)'"
    }

    func finish() throws -> (TrainingData, FeatureSchema) {
        var numericColumns: [String: NumericColumn] = [:]
        for column in numeric {
            numericColumns[column.name] = NumericColumn(
                column.values, isMissing: column.anyMissing ? column.missing : nil)
        }
        var categoricalColumns: [String: [String?]] = [:]
        for column in categorical { categoricalColumns[column.name] = column.values }
        let schema = FeatureSchema(
            numeric: numeric.sorted { $0.index < $1.index }.map(\.name),
            categorical: categorical.sorted { $0.index < $1.index }.map(\.name))
        return (TrainingData(numeric: numericColumns, categorical: categoricalColumns, target: target), schema)
    }
}
