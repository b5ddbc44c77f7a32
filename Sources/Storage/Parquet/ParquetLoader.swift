import Foundation

/// Loads a Parquet file into a table, all or nothing: the schema comes from the footer (no
/// inference), the rows row group by row group into the shared `TableWriter`'s bulk insert.
public struct ParquetLoader: TableLoader {
    public let path: String
    public let table: String
    public let options: LoadOptions

    public init(path: String, table: String, options: LoadOptions) {
        self.path = path
        self.table = table
        self.options = options
    }

    public static func recognizes(head: [UInt8], path: String) -> Bool {
        head.starts(with: ParquetFile.magic)
    }

    public func load(into database: any Database, progress: (_ rowsLoaded: Int) -> Void = { _ in }) throws
        -> LoadSummary
    {
        let started = Date()
        let file = try ParquetFile(path: path, keepIndex: options.keepIndex)
        var names: [String] = []
        var renamed: [(from: String, to: String)] = []
        for column in file.columns {
            let identifier: SQLIdentifier
            do {
                identifier = try SQLIdentifier(validating: column.name, what: "column name")
            } catch let error as DatabaseError {
                throw ParquetError(file: path, column: column.name, message: error.message)
            }
            if names.contains(identifier.name) {
                throw ParquetError(
                    file: path, column: column.name, message: "duplicate column name '\(identifier.name)'")
            }
            if identifier.name != column.name { renamed.append((column.name, identifier.name)) }
            names.append(identifier.name)
        }
        let columns = zip(names, file.columns).map { LoadedColumn(name: $0, type: $1.type) }
        let writer = try TableWriter(
            table: table, columns: columns.map { ($0.name, $0.type) }, mode: options.mode,
            protectedTables: options.protectedTables, file: path)
        let outcome = try writer.write(into: database) { sink in
            try insertRows(file, into: sink, progress)
        }
        return LoadSummary(
            table: writer.target.name, rows: outcome.written, columns: columns,
            seconds: Date().timeIntervalSince(started), created: outcome.created, replaced: outcome.replaced,
            renamed: renamed)
    }

    /// Every row group's rows, assembled across the columns' pages.
    private func insertRows(_ file: ParquetFile, into sink: any BulkInsertSink, _ progress: (Int) -> Void) throws
        -> Int
    {
        var written = 0
        let width = file.columns.count
        for group in file.metadata.rowGroups.indices {
            var chunks = try file.chunks(ofRowGroup: group)
            var pages = [ParquetColumnChunk.Page?](repeating: nil, count: width)
            var rowInPage = [Int](repeating: 0, count: width)
            var valueInPage = [Int](repeating: 0, count: width)
            var row = [SQLValue](repeating: .null, count: width)
            let rows = file.metadata.rowGroups[group].rowCount
            for r in 0..<rows {
                for c in 0..<width {
                    do {
                        // Pages of no rows are possible: read on to one that has some.
                        while pages[c] == nil || rowInPage[c] == pages[c]!.rows {
                            guard let next = try chunks[c].nextPage() else { throw ParquetColumnChunkEnded() }
                            pages[c] = next
                            rowInPage[c] = 0
                            valueInPage[c] = 0
                        }
                    } catch {
                        throw ParquetError(
                            file: path, rowGroup: group, column: file.columns[c].name, page: chunks[c].pageNumber,
                            message: error is ParquetColumnChunkEnded
                                ? "the column ends at row \(r) of the row group's \(rows)" : "\(error)")
                    }
                    let page = pages[c]!
                    if page.present?[rowInPage[c]] ?? true {
                        guard let value = file.columns[c].value(page.values, valueInPage[c]) else {
                            throw ParquetError(
                                file: path, rowGroup: group, column: file.columns[c].name, page: chunks[c].pageNumber,
                                message: "row \(r): the value cannot be stored as \(file.columns[c].type.rawValue)")
                        }
                        row[c] = value
                        valueInPage[c] += 1
                    } else {
                        row[c] = .null
                    }
                    rowInPage[c] += 1
                }
                try sink.append(row)
                written += 1
                if written % 50_000 == 0 { progress(written) }
            }
        }
        progress(written)
        return written
    }
}

private struct ParquetColumnChunkEnded: Error {}
