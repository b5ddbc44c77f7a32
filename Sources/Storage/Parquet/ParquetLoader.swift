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

    public func check() throws -> (columns: [LoadedColumn], rows: Int) {
        let file = try ParquetFile(path: path, keepIndex: options.keepIndex)
        let (columns, _) = try tableColumns(file)
        return (columns, try insertRows(file, into: DiscardingSink()) { _ in })
    }

    public func load(into database: any Database, progress: (_ rowsLoaded: Int) -> Void = { _ in }) throws
        -> LoadSummary
    {
        let started = Date()
        let file = try ParquetFile(path: path, keepIndex: options.keepIndex)
        let (columns, renamed) = try tableColumns(file)
        let writer = try TableWriter(
            table: table, columns: columns.map { ($0.name, $0.type) }, mode: options.mode,
            protectedTables: options.protectedTables, indexes: options.indexes, file: path)
        let outcome = try writer.write(into: database, typedRows: true) { sink in
            try insertRows(file, into: sink, progress)
        }
        return LoadSummary(
            table: writer.target.name, rows: outcome.written, columns: columns,
            seconds: Date().timeIntervalSince(started), created: outcome.created, replaced: outcome.replaced,
            renamed: renamed)
    }

    /// The table's columns from the file's, names checked and folded to lower case.
    private func tableColumns(_ file: ParquetFile) throws -> ([LoadedColumn], [(from: String, to: String)]) {
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
        return (zip(names, file.columns).map { LoadedColumn(name: $0, type: $1.type) }, renamed)
    }

    /// Rows per batch handed to the driver.
    static let batchRows = 4_096

    /// Every row group's rows, in batches assembled across the columns' pages.
    private func insertRows(_ file: ParquetFile, into sink: any BulkInsertSink, _ progress: (Int) -> Void) throws
        -> Int
    {
        var written = 0
        var builders = file.columns.map { BatchColumnBuilder(type: $0.type) }
        for group in file.metadata.rowGroups.indices {
            var chunks = try file.chunks(ofRowGroup: group)
            var pages = [ParquetColumnChunk.Page?](repeating: nil, count: chunks.count)
            var rowInPage = [Int](repeating: 0, count: chunks.count)
            var valueInPage = [Int](repeating: 0, count: chunks.count)
            let rows = Int(file.metadata.rowGroups[group].rowCount)
            var done = 0
            while done < rows {
                let size = min(Self.batchRows, rows - done)
                for c in chunks.indices {
                    var filled = 0
                    while filled < size {
                        func fail(_ message: String) -> ParquetError {
                            ParquetError(
                                file: path, rowGroup: group, column: file.columns[c].name, page: chunks[c].pageNumber,
                                message: message)
                        }
                        if pages[c] == nil || rowInPage[c] == pages[c]!.rows {
                            do {
                                guard let next = try chunks[c].nextPage() else {
                                    throw fail("the column ends at row \(done + filled) of the row group's \(rows)")
                                }
                                pages[c] = next
                            } catch let error as ParquetError {
                                throw error
                            } catch {
                                throw fail("\(error)")
                            }
                            rowInPage[c] = 0
                            valueInPage[c] = 0
                            continue  // a page may have no rows
                        }
                        let take = min(size - filled, pages[c]!.rows - rowInPage[c])
                        let range = rowInPage[c]..<(rowInPage[c] + take)
                        if let bad = file.columns[c].append(
                            pages[c]!, rows: range, valueIndex: &valueInPage[c], to: &builders[c])
                        {
                            let row = done + filled + (bad - rowInPage[c])
                            throw fail("row \(row): the value cannot be stored as \(file.columns[c].type.rawValue)")
                        }
                        rowInPage[c] += take
                        filled += take
                    }
                }
                let batch = ColumnBatch(columns: builders.indices.map { builders[$0].take() }, rowCount: size)
                try sink.append(batch)
                done += size
                written += size
                if written % 49_152 < size { progress(written) }
            }
        }
        progress(written)
        return written
    }
}

private struct ParquetColumnChunkEnded: Error {}
