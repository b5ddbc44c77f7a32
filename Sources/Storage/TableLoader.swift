import Foundation

/// A column as a load created or filled it.
public struct LoadedColumn: Sendable, Equatable {
    public let name: String
    public let type: CSVColumnType

    public init(name: String, type: CSVColumnType) {
        self.name = name
        self.type = type
    }
}

/// What a load did.
public struct LoadSummary: Sendable {
    public let table: String
    public let rows: Int
    public let columns: [LoadedColumn]
    public let seconds: Double
    /// The table did not exist and was created.
    public let created: Bool
    /// The table's previous contents were replaced.
    public let replaced: Bool
    /// Column names that were folded to lower case.
    public let renamed: [(from: String, to: String)]
}

/// How a load treats the target and the file.
public struct LoadOptions: Sendable {
    public var mode: LoadMode
    /// Tables the load must never write (the caller's own: the registry's).
    public var protectedTables: Set<String>
    /// Parquet: keep the index columns pandas writes (`__index_level_0__`), skipped by default.
    public var keepIndex: Bool
    /// Columns to index once the rows are in (a key the table is read by, page by page).
    public var indexes: [String]

    public init(
        mode: LoadMode = .create, protectedTables: Set<String> = [], keepIndex: Bool = false, indexes: [String] = []
    ) {
        self.mode = mode
        self.protectedTables = protectedTables.union([Migrator.table])
        self.keepIndex = keepIndex
        self.indexes = indexes
    }
}

/// One file format that loads into a table: it reads, the shared `TableWriter` writes.
public protocol TableLoader: Sendable {
    /// Whether a file is in this format, from its first bytes (and its name).
    static func recognizes(head: [UInt8], path: String) -> Bool
    init(path: String, table: String, options: LoadOptions)
    func load(into database: any Database, progress: (_ rowsLoaded: Int) -> Void) throws -> LoadSummary
    /// Reads and checks the whole file as a load would, writing nothing: its columns and rows.
    func check() throws -> (columns: [LoadedColumn], rows: Int)
}

/// Takes rows and keeps none: a load's reading without its writing.
struct DiscardingSink: BulkInsertSink {
    func append(_ row: [SQLValue]) throws {}
    func append(_ batch: ColumnBatch) throws {}
}

/// The formats `load` knows, asked in order; a new format is one file and one line here.
public enum TableLoaders {
    static var formats: [any TableLoader.Type] {
        [ParquetLoader.self, CSVLoader.self]  // CSV last: it takes any text
    }

    /// The loader for a file, by what its first bytes say it is.
    public static func loader(path: String, table: String, options: LoadOptions) -> any TableLoader {
        let head = (FileHandle(forReadingAtPath: path).flatMap { try? $0.read(upToCount: 8) }).map { [UInt8]($0) } ?? []
        let format = formats.first { $0.recognizes(head: head, path: path) } ?? CSVLoader.self
        return format.init(path: path, table: table, options: options)
    }
}
