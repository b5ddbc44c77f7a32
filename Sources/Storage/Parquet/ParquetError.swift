/// A problem in a Parquet file, located as far as it is known: file, row group, column, page.
public struct ParquetError: Error, Sendable, CustomStringConvertible {
    public let file: String
    public var rowGroup: Int?
    public var column: String?
    public var page: Int?
    public let message: String

    public init(file: String, rowGroup: Int? = nil, column: String? = nil, page: Int? = nil, message: String) {
        self.file = file
        self.rowGroup = rowGroup
        self.column = column
        self.page = page
        self.message = message
    }

    public var description: String {
        var location = file
        if let rowGroup { location += ": row group \(rowGroup)" }
        if let column { location += ": column \(column)" }
        if let page { location += ": page \(page)" }
        return "\(location): \(message)"
    }
}
