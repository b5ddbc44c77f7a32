import Foundation

/// A Parquet file opened for reading: its footer decoded and its schema checked, its row
/// groups read one at a time (memory is bounded by one row group's column chunks, whatever
/// the file's size).
struct ParquetFile {
    let path: String
    let columns: [ParquetColumn]
    /// Where each loaded column is among the schema's leaves (a skipped pandas index is not).
    let leafIndex: [Int]
    let metadata: Parquet.FileMetaData
    let size: Int
    private let handle: FileHandle

    static let magic: [UInt8] = Array("PAR1".utf8)

    /// The file's footer and schema; `keepIndex` keeps the index columns pandas writes.
    init(path: String, keepIndex: Bool) throws {
        self.path = path
        func fail(_ message: String) -> ParquetError { ParquetError(file: path, message: message) }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw fail(exists ? "cannot be read (permissions?)" : "no such file")
        }
        self.handle = handle
        size = Int(try handle.seekToEnd())
        guard size > 0 else { throw fail("the file is empty") }
        guard size >= 12 else { throw fail("the file is \(size) bytes: too short for Parquet (magic, footer, magic)") }
        let tail = try Self.read(handle, at: size - 8, count: 8)
        guard Array(tail[4...]) == Self.magic, try Self.read(handle, at: 0, count: 4) == Self.magic else {
            throw fail("not a Parquet file (no PAR1 magic at its start and end)")
        }
        let footerLength = Int(tail[0]) | Int(tail[1]) << 8 | Int(tail[2]) << 16 | Int(tail[3]) << 24
        guard footerLength > 0, footerLength <= size - 12 else {
            throw fail("the footer length \(footerLength) runs past the file (\(size) bytes)")
        }
        let footer = try Self.read(handle, at: size - 8 - footerLength, count: footerLength)
        var reader = ThriftCompactReader(footer)
        do {
            metadata = try reader.fileMetaData()
        } catch let error as ThriftCompactReader.Malformed {
            throw fail("the footer is malformed: \(error)")
        }
        // A flat schema: the root, then one leaf per column.
        guard let root = metadata.schema.first else { throw fail("the footer has no schema") }
        let leaves = Array(metadata.schema.dropFirst())
        guard Int(root.childCount ?? 0) == leaves.count else {
            let nested = leaves.first(where: { ($0.childCount ?? 0) > 0 }).map(\.name) ?? "?"
            throw ParquetError(
                file: path, column: nested,
                message: "nested columns (structs, lists, maps) are not supported; flatten the file first")
        }
        let skipped = keepIndex ? [] : Self.pandasIndexColumns(metadata)
        var columns: [ParquetColumn] = []
        var leafIndex: [Int] = []
        for (i, leaf) in leaves.enumerated() where !skipped.contains(leaf.name) {
            func unsupported(_ message: String) -> ParquetError {
                ParquetError(file: path, column: leaf.name, message: message)
            }
            guard (leaf.childCount ?? 0) == 0, leaf.repetition != 2 else {
                throw unsupported("nested or repeated columns are not supported; flatten the file first")
            }
            guard let physical = leaf.type else { throw unsupported("the column has no physical type") }
            let type: CSVColumnType
            do {
                type = try ParquetColumn.tableType(
                    physical: physical, annotation: leaf.annotation, typeLength: Int(leaf.typeLength ?? 0))
            } catch let error as ParquetColumn.Unsupported {
                throw unsupported(error.reason)
            }
            columns.append(
                ParquetColumn(
                    name: leaf.name, physical: physical, annotation: leaf.annotation,
                    typeLength: Int(leaf.typeLength ?? 0), maxDefinitionLevel: leaf.repetition == 1 ? 1 : 0,
                    type: type))
            leafIndex.append(i)
        }
        guard !columns.isEmpty else { throw fail("the file has no columns to load") }
        self.columns = columns
        self.leafIndex = leafIndex
    }

    /// The columns pandas lists as its index (`__index_level_0__`), from the "pandas" key.
    static func pandasIndexColumns(_ metadata: Parquet.FileMetaData) -> Set<String> {
        guard let text = metadata.keyValues.first(where: { $0.0 == "pandas" })?.1,
            let json = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            let index = json["index_columns"] as? [Any]
        else { return [] }
        // A RangeIndex is described, not stored: only names are columns.
        return Set(index.compactMap { $0 as? String })
    }

    /// The loaded columns' chunks of row group `group`, read from the file.
    func chunks(ofRowGroup group: Int) throws -> [ParquetColumnChunk] {
        let rowGroup = metadata.rowGroups[group]
        return try zip(columns, leafIndex).map { column, leaf in
            func fail(_ message: String) -> ParquetError {
                ParquetError(file: path, rowGroup: group, column: column.name, message: message)
            }
            guard leaf < rowGroup.columns.count, let meta = rowGroup.columns[leaf] else {
                throw fail("the row group has no metadata for this column")
            }
            guard meta.type == column.physical else { throw fail("the chunk's type differs from the schema's") }
            var start = meta.dataPageOffset
            if let dictionary = meta.dictionaryPageOffset, dictionary > 0, dictionary < start { start = dictionary }
            let length = meta.totalCompressedSize
            guard start >= 4, length >= 0, start <= Int64(size - 8), length <= Int64(size - 8) - start else {
                throw fail("the column chunk (offset \(start), \(length) bytes) runs past the file")
            }
            guard meta.valueCount == rowGroup.rowCount else {
                throw fail("the chunk holds \(meta.valueCount) values for the row group's \(rowGroup.rowCount) rows")
            }
            let bytes = try Self.read(handle, at: Int(start), count: Int(length))
            return ParquetColumnChunk(column: column, codec: meta.codec, bytes: bytes, rows: meta.valueCount)
        }
    }

    private static func read(_ handle: FileHandle, at offset: Int, count: Int) throws -> [UInt8] {
        try handle.seek(toOffset: UInt64(offset))
        let data = try handle.read(upToCount: count) ?? Data()
        return [UInt8](data)
    }
}
