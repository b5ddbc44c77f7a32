/// A problem in a CSV file, located by file, line and column, so it can be fixed.
public struct CSVError: Error, Sendable, CustomStringConvertible {
    public let file: String
    /// 1-based line of the file where the problem is (where the record starts for a bad row).
    public let line: Int?
    /// 1-based column number, and its header name when known.
    public let column: Int?
    public let columnName: String?
    public let message: String

    public init(file: String, line: Int? = nil, column: Int? = nil, columnName: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.columnName = columnName
        self.message = message
    }

    public var description: String {
        var location = file
        if let line { location += ":\(line)" }
        if let column {
            location += ": column \(column)"
            if let columnName { location += " (\(columnName))" }
        }
        return "\(location): \(message)"
    }
}
