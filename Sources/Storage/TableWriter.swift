import Foundation

/// What a load does to a table that already exists.
public enum LoadMode: String, Sendable, CaseIterable {
    /// Create the table; an existing one is an error (a second load would double its rows).
    case create
    /// Add the rows to the existing table (its columns must include the file's).
    case append
    /// Drop and recreate it from the file, in the same transaction as the load.
    case replace
}

/// The one place a loaded file becomes a table, whatever its format: checks the target,
/// creates, replaces or appends per `mode`, and runs the format's rows into the driver's
/// bulk insert, all in one transaction, so a failure anywhere leaves the database as it was.
struct TableWriter {
    let target: SQLIdentifier
    let columns: [(name: SQLIdentifier, type: CSVColumnType)]
    let mode: LoadMode
    let indexes: [SQLIdentifier]
    /// Where the rows come from, for messages ("leads.csv").
    let file: String

    /// Validates the table name against the tables the caller protects (the registry's own).
    init(
        table: String, columns: [(name: String, type: CSVColumnType)], mode: LoadMode, protectedTables: Set<String>,
        indexes: [String] = [], file: String
    ) throws {
        target = try SQLIdentifier(validating: table, what: "table name")
        guard !protectedTables.contains(target.name) else {
            throw DatabaseError.misuse("table '\(target.name)' belongs to the model registry; load into another table")
        }
        self.columns = try columns.map { (try SQLIdentifier(validating: $0.name, what: "column name"), $0.type) }
        self.mode = mode
        let names = Set(self.columns.map(\.name.name))
        self.indexes = try indexes.map { name in
            let column = try SQLIdentifier(validating: name, what: "index column")
            guard names.contains(column.name) else {
                throw CSVError(
                    file: file,
                    message:
                        "--index \(column.name) is not a column of the file; columns: \(names.sorted().joined(separator: ", "))"
                )
            }
            return column
        }
        self.file = file
    }

    struct Outcome {
        var written: Int
        var created: Bool
        var replaced: Bool
    }

    /// Prepares the table, then `insert` writes every row into the bulk sink and returns the
    /// count; `beforeCommit` may still throw to roll everything back. `typedRows`: the rows
    /// come typed (not as text literals), so into a table created here the driver may take
    /// its binary form.
    func write(
        into database: any Database, typedRows: Bool = false, insert: (any BulkInsertSink) throws -> Int,
        beforeCommit: () throws -> Void = {}
    ) throws -> Outcome {
        try database.transaction { connection in
            let exists = try connection.tableExists(target)
            switch (exists, mode) {
            case (true, .create):
                throw CSVError(
                    file: file,
                    message: "table \(target.name) already exists; use --append to add these rows "
                        + "or --replace to recreate it from the file")
            case (true, .replace):
                try connection.execute("DROP TABLE \(target.quoted)", [])
                try create(connection)
            case (true, .append):
                let existing = Set(try connection.tableColumns(target).map { $0.lowercased() })
                let missing = columns.map(\.name.name).filter { !existing.contains($0) }
                guard missing.isEmpty else {
                    throw CSVError(
                        file: file,
                        message: "table \(target.name) has no column \(missing.joined(separator: ", ")); "
                            + "use --replace to recreate it from the file")
                }
            case (false, _):
                try create(connection)
            }
            var written = 0
            let names = columns.map(\.name)
            if typedRows && (!exists || mode == .replace) {
                _ = try connection.bulkInsert(into: target, columns: names, exactTypes: columns.map(\.type)) { sink in
                    written = try insert(sink)
                }
            } else {
                _ = try connection.bulkInsert(into: target, columns: names) { sink in written = try insert(sink) }
            }
            for column in indexes {
                let index = try SQLIdentifier(validating: "\(target.name)_\(column.name)_idx", what: "index name")
                try connection.execute(
                    "CREATE INDEX IF NOT EXISTS \(index.quoted) ON \(target.quoted) (\(column.quoted))", [])
            }
            try beforeCommit()
            return Outcome(written: written, created: !exists, replaced: exists && mode == .replace)
        }
    }

    private func create(_ connection: any Connection) throws {
        let definitions = columns.map { "\($0.name.quoted) \($0.type.sqlType(for: connection.dialect))" }
        try connection.execute("CREATE TABLE \(target.quoted) (\(definitions.joined(separator: ", ")))", [])
    }
}
