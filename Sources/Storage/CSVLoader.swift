import Foundation

/// Loads a CSV file into a table, all or nothing.
///
/// Two streaming passes over the file: one checks every record (shape, quoting, UTF-8)
/// and infers each column's type; the other converts and bulk-inserts inside one
/// transaction. They overlap: the types are first guessed from the opening rows, the
/// insert starts with them while the check reads the whole file on a second thread, and the
/// transaction commits only once the check agrees (if a later row widens a type, the
/// insert is rolled back and redone with the final types). Memory stays bounded by one
/// record and the bulk buffer, whatever the file size.
public struct CSVLoader: TableLoader {
    public typealias Column = LoadedColumn
    public typealias Summary = LoadSummary

    public let path: String
    public let table: String
    public let mode: LoadMode
    /// Tables this load must never write (the caller's own: the registry's).
    public let protectedTables: Set<String>
    public let indexes: [String]

    public init(path: String, table: String, mode: LoadMode = .create, protectedTables: Set<String> = []) {
        self.init(path: path, table: table, options: LoadOptions(mode: mode, protectedTables: protectedTables))
    }

    public init(path: String, table: String, options: LoadOptions) {
        self.path = path
        self.table = table
        mode = options.mode
        protectedTables = options.protectedTables
        indexes = options.indexes
    }

    /// Any file: CSV is the format asked last.
    public static func recognizes(head: [UInt8], path: String) -> Bool { true }

    public func check() throws -> (columns: [LoadedColumn], rows: Int) {
        let inspection = try inspect(limit: nil)
        return (inspection.columns, inspection.rows)
    }

    /// Rows read to guess the column types before the full check has finished.
    static let sampleRows = 20_000

    public func load(into database: any Database, progress: (_ rowsLoaded: Int) -> Void = { _ in }) throws -> Summary {
        let started = Date()
        let target = try SQLIdentifier(validating: table, what: "table name")
        guard !protectedTables.contains(target.name) else {
            throw DatabaseError.misuse("table '\(target.name)' belongs to the model registry; load into another table")
        }
        let sample = try inspect(limit: Self.sampleRows)
        var outcome: (written: Int, created: Bool, replaced: Bool)
        var final = sample
        if sample.complete {
            outcome = try write(sample.columns, into: target, database, progress: progress) { _ in }
        } else {
            // Check the whole file on another thread while inserting with the sampled types.
            let check = BackgroundCheck { try inspect(limit: nil) }
            do {
                outcome = try write(sample.columns, into: target, database, progress: progress) { rows in
                    if let rows {
                        if rows % 1_000 == 0, let failure = check.failure { throw failure }
                        return
                    }
                    // All rows are in: commit only if the full check agrees with the sample.
                    let result = try check.wait()
                    guard result.columns == sample.columns else { throw TypesWidened() }
                }
                final = try check.wait()
            } catch {
                // Whatever stopped the insert, the full check decides: a problem in the file
                // explains it best; types wider than the sample (a late "2.5" in an integer
                // column) mean doing it again with them; otherwise the insert's error stands.
                final = try check.wait()
                guard final.columns != sample.columns else { throw error }
                outcome = try write(final.columns, into: target, database, progress: progress) { _ in }
            }
        }
        guard outcome.written == final.rows else {
            throw CSVError(
                file: path, message: "the file changed while loading (\(final.rows) rows, then \(outcome.written))")
        }
        return Summary(
            table: target.name, rows: outcome.written, columns: final.columns,
            seconds: Date().timeIntervalSince(started),
            created: outcome.created, replaced: outcome.replaced, renamed: final.renamed)
    }

    /// The checked shape of the file (or of its first rows).
    struct Inspection: Sendable {
        var columns: [Column]
        var renamed: [(from: String, to: String)]
        var rows: Int
        /// Whether the whole file was read.
        var complete: Bool
    }

    /// Thrown inside the transaction to roll it back when the full check chose other types.
    private struct TypesWidened: Error {}

    /// Creates, replaces or checks the table and inserts every row, in one transaction.
    /// `checkpoint` is called every row with the count, and once with nil before the commit.
    private func write(
        _ columns: [Column], into target: SQLIdentifier, _ database: any Database,
        progress: (Int) -> Void, checkpoint: (Int?) throws -> Void
    ) throws -> (written: Int, created: Bool, replaced: Bool) {
        let writer = try TableWriter(
            table: target.name, columns: columns.map { ($0.name, $0.type) }, mode: mode,
            protectedTables: protectedTables, indexes: indexes, file: path)
        let outcome = try writer.write(
            into: database, insert: { sink in try insertRows(columns: columns, into: sink, progress, checkpoint) },
            beforeCommit: { try checkpoint(nil) })
        return (outcome.written, outcome.created, outcome.replaced)
    }

    /// The check: header, shape, encoding and types, without touching the database; the
    /// first `limit` rows only, or all of them.
    func inspect(limit: Int?) throws -> Inspection {
        let reader = try CSVReader(path: path)
        guard try reader.next() else {
            throw CSVError(file: path, message: "the file is empty; expected a header line with column names")
        }
        if let bad = reader.firstInvalidUTF8Field() {
            throw CSVError(file: path, line: reader.recordLine, column: bad + 1, message: "header is not valid UTF-8")
        }
        let header = reader.strings()
        var names: [String] = []
        var renamed: [(from: String, to: String)] = []
        var seen: [String: Int] = [:]
        for (i, raw) in header.enumerated() {
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else {
                throw CSVError(
                    file: path, line: reader.recordLine, column: i + 1, message: "empty column name in the header")
            }
            let identifier: SQLIdentifier
            do {
                identifier = try SQLIdentifier(validating: trimmed, what: "column name")
            } catch let error as DatabaseError {
                throw CSVError(file: path, line: reader.recordLine, column: i + 1, message: error.message)
            }
            if let first = seen[identifier.name] {
                throw CSVError(
                    file: path, line: reader.recordLine, column: i + 1,
                    message: "duplicate column name '\(identifier.name)' (also column \(first + 1))")
            }
            seen[identifier.name] = i
            if identifier.name != raw { renamed.append((raw, identifier.name)) }
            names.append(identifier.name)
        }
        var inference = [CSVTypeInference](repeating: CSVTypeInference(), count: names.count)
        var rows = 0
        while try reader.next(expectingFields: names.count) {
            if let bad = reader.firstInvalidUTF8Field() {
                throw CSVError(
                    file: path, line: reader.recordLine, column: bad + 1, columnName: names[bad],
                    message: "not valid UTF-8")
            }
            reader.withRecord { fields in
                for i in 0..<fields.count where !fields.isEmpty(i) { inference[i].observe(fields[i]) }
            }
            rows += 1
            if let limit, rows >= limit { break }
        }
        guard rows > 0 else {
            throw CSVError(file: path, message: "the file has a header but no data rows")
        }
        let columns = zip(names, inference).map { Column(name: $0, type: $1.type) }
        let complete = limit.map { rows < $0 } ?? true
        return Inspection(columns: columns, renamed: renamed, rows: rows, complete: complete)
    }

    /// Rows per batch handed to the driver.
    static let batchRows = 1_024

    /// Bulk-inserts every row, inside the writer's transaction, in batches of checked field
    /// literals (the driver copies or parses them by type).
    private func insertRows(
        columns: [Column], into sink: any BulkInsertSink, _ progress: (Int) -> Void,
        _ checkpoint: (Int?) throws -> Void
    ) throws -> Int {
        let reader = try CSVReader(path: path)
        _ = try reader.next()  // the header, already checked
        // The batch's fields row by row in one buffer; each column is a view of it.
        var fields = ColumnBatch.Bytes()
        var lines: [Int] = []
        let width = columns.count
        func flush() throws {
            guard !lines.isEmpty else { return }
            let batch = ColumnBatch(
                columns: columns.indices.map { c in
                    ColumnBatch.Column(values: .literals(fields.column(c, of: width), columns[c].type), nulls: nil)
                },
                rowCount: lines.count)
            do {
                try sink.append(batch)
            } catch let bad as BadLiteral {
                let found = fields.column(bad.column, of: width).withValue(bad.row) {
                    String(decoding: $0, as: UTF8.self)
                }
                throw CSVError(
                    file: path, line: lines[bad.row], column: bad.column + 1, columnName: columns[bad.column].name,
                    message: "expected \(columns[bad.column].type.rawValue), found '\(found)'")
            }
            fields.removeAll()
            lines.removeAll(keepingCapacity: true)
        }
        var count = 0
        while try reader.next(expectingFields: width) {
            reader.withRecord { record in
                for c in 0..<record.count { fields.append(record[c]) }
            }
            lines.append(reader.recordLine)
            count += 1
            try checkpoint(count)
            if lines.count == Self.batchRows { try flush() }
            if count % 50_000 == 0 { progress(count) }
        }
        try flush()
        progress(count)
        return count
    }
}
