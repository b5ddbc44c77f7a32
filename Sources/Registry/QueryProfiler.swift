import Foundation
public import Learning
public import Storage

/// `modelserve profile` and `POST /profiles`: a training query's rows profiled in one pass
/// through the streaming reader (read-only, one SELECT, with the statement timeout), memory
/// bounded whatever the row count.
public enum QueryProfiler {
    public static func profile(
        _ database: any Database, query text: String, target: String? = nil, timeout: Double = 300,
        progress: (Int) -> Void = { _ in }
    ) throws -> DataProfile {
        let query = try TrainingQuery(validating: text)
        var profiler: DataProfiler?
        try database.withReadOnlyConnection(timeout: timeout) { connection in
            try connection.stream(query.wrapped, [], batchSize: 5_000) { batch in
                if profiler == nil {
                    profiler = DataProfiler(
                        columns: batch.columns.names,
                        target: try target.map { try resolve($0, in: batch.columns.names) })
                }
                for row in batch.rows { profiler!.add(row.map(ProfileCell.init)) }
                progress(profiler!.rows)
            }
        }
        guard let profiler, profiler.rows > 0 else { throw RegistryError(.noData, "the query returned no rows") }
        return profiler.finish()
    }

    /// The result's spelling of a column named case-insensitively.
    static func resolve(_ name: String, in columns: [String], role: String = "target") throws -> String {
        if let exact = columns.first(where: { $0 == name }) { return exact }
        if let folded = columns.first(where: { $0.lowercased() == name.lowercased() }) { return folded }
        throw RegistryError(
            .missingColumn,
            "\(role) '\(name)' is not a column of the query result (columns: \(columns.joined(separator: ", ")))")
    }
}

extension ProfileCell {
    /// A stored value as the profiler counts it: timestamps and bytes as their text.
    public init(_ value: SQLValue) {
        switch value {
        case .null: self = .missing
        case .integer(let v): self = .integer(v)
        case .double(let v): self = .real(v)
        case .bool(let b): self = .boolean(b)
        case .text(let s): self = .text(s)
        case .timestamp(let d): self = .text(Timestamp.format(d))
        case .bytes(let b): self = .text(b.map { String(format: "%02x", $0) }.joined())
        }
    }
}
