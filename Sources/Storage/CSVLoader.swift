import Foundation

/// Loads a CSV file into a table, all or nothing.
///
/// Two streaming passes over the file: the first checks every record (shape, quoting,
/// UTF-8) and infers each column's type, touching no database; the second converts and
/// bulk-inserts inside one transaction. Memory stays bounded by one record and the bulk
/// buffer, whatever the file size.
public struct CSVLoader: Sendable {
    /// Tables `load` must never write: the registry's own.
    public static let protectedTables: Set<String> = [
        "models", "production_model", "model_assignments", "training_runs", "training_checkpoints", "request_log",
        "schema_migrations",
    ]

    public struct Column: Sendable, Equatable {
        public let name: String
        public let type: CSVColumnType
    }

    public struct Summary: Sendable {
        public let table: String
        public let rows: Int
        public let columns: [Column]
        public let seconds: Double
        /// The table did not exist and was created.
        public let created: Bool
        /// The table's previous contents were replaced.
        public let replaced: Bool
        /// Header names that were folded to lower case.
        public let renamed: [(from: String, to: String)]
    }

    /// Progress: rows loaded so far, and the phase.
    public enum Phase: Sendable {
        case checking, loading
    }

    public let path: String
    public let table: String
    public let replace: Bool

    public init(path: String, table: String, replace: Bool = false) {
        self.path = path
        self.table = table
        self.replace = replace
    }

    public func load(into database: any Database, progress: (Phase, Int) -> Void = { _, _ in }) throws -> Summary {
        let started = Date()
        let target = try SQLIdentifier(validating: table, what: "table name")
        guard !Self.protectedTables.contains(target.name) else {
            throw DatabaseError.misuse("table '\(target.name)' belongs to the model registry; load into another table")
        }
        let (columns, renamed, rowCount) = try inspect(progress: progress)
        let identifiers = try columns.map { try SQLIdentifier(validating: $0.name, what: "column name") }

        var created = false
        var replaced = false
        let written = try database.transaction { connection -> Int in
            let exists = try connection.tableExists(target)
            if exists && replace {
                try connection.execute("DROP TABLE \(target.quoted)", [])
                replaced = true
            }
            if !exists || replace {
                let definitions = zip(identifiers, columns).map { "\($0.quoted) \($1.type.sqlType(for: connection.dialect))" }
                try connection.execute("CREATE TABLE \(target.quoted) (\(definitions.joined(separator: ", ")))", [])
                created = !exists
            } else {
                let existing = Set(try connection.tableColumns(target).map { $0.lowercased() })
                let missing = identifiers.map(\.name).filter { !existing.contains($0) }
                guard missing.isEmpty else {
                    throw CSVError(
                        file: path,
                        message: "table \(target.name) has no column \(missing.joined(separator: ", ")); "
                            + "use --replace to recreate it from the file")
                }
            }
            return try insertRows(columns: columns, identifiers: identifiers, into: target, connection, progress)
        }
        guard written == rowCount else {
            throw CSVError(file: path, message: "the file changed while loading (\(rowCount) rows, then \(written))")
        }
        return Summary(
            table: target.name, rows: written, columns: columns, seconds: Date().timeIntervalSince(started),
            created: created, replaced: replaced, renamed: renamed)
    }

    /// Pass 1: header, shape, encoding and types, without touching the database.
    private func inspect(progress: (Phase, Int) -> Void) throws -> ([Column], [(from: String, to: String)], Int) {
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
                throw CSVError(file: path, line: reader.recordLine, column: i + 1, message: "empty column name in the header")
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
        while try reader.next() {
            guard reader.fieldCount == names.count else {
                throw CSVError(
                    file: path, line: reader.recordLine,
                    message: "expected \(names.count) fields as in the header, found \(reader.fieldCount)")
            }
            if let bad = reader.firstInvalidUTF8Field() {
                throw CSVError(
                    file: path, line: reader.recordLine, column: bad + 1, columnName: names[bad],
                    message: "not valid UTF-8")
            }
            reader.withRecord { fields in
                for i in 0..<fields.count where !fields.isEmpty(i) { inference[i].observe(fields[i]) }
            }
            rows += 1
            if rows % 100_000 == 0 { progress(.checking, rows) }
        }
        guard rows > 0 else {
            throw CSVError(file: path, message: "the file has a header but no data rows")
        }
        let columns = zip(names, inference).map { Column(name: $0, type: $1.type) }
        return (columns, renamed, rows)
    }

    /// Pass 2: convert and bulk-insert, inside the caller's transaction.
    private func insertRows(
        columns: [Column], identifiers: [SQLIdentifier], into table: SQLIdentifier, _ connection: any Connection,
        _ progress: (Phase, Int) -> Void
    ) throws -> Int {
        let reader = try CSVReader(path: path)
        _ = try reader.next()  // header, checked in pass 1
        let types = columns.map(\.type)
        return try connection.bulkInsert(into: table, columns: identifiers) { sink in
            // Both drivers' sinks take CSV fields directly (see CSVFieldSink).
            guard let sink = sink as? any CSVFieldSink else {
                throw DatabaseError.misuse("this driver's bulk insert cannot load CSV records")
            }
            var count = 0
            while try reader.next() {
                guard reader.fieldCount == columns.count else {
                    throw CSVError(
                        file: path, line: reader.recordLine,
                        message: "expected \(columns.count) fields as in the header, found \(reader.fieldCount)")
                }
                if let bad = try reader.withRecord({ try sink.append(fields: $0, types: types) }) {
                    throw CSVError(
                        file: path, line: reader.recordLine, column: bad + 1, columnName: columns[bad].name,
                        message: "expected \(columns[bad].type.rawValue), found '\(reader.string(bad))'")
                }
                count += 1
                if count % 50_000 == 0 { progress(.loading, count) }
            }
            progress(.loading, count)
        }
    }
}
