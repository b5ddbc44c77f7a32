/// The column names of a result, shared by all of its rows.
public final class Columns: Sendable {
    public let names: [String]
    private let index: [String: Int]

    public init(_ names: [String]) {
        self.names = names
        var index: [String: Int] = [:]
        for (i, name) in names.enumerated() where index[name] == nil { index[name] = i }
        self.index = index
    }

    public var count: Int { names.count }

    /// The position of the first column with this name.
    public func position(of name: String) -> Int? { index[name] }
}

/// One row of a result: values in column order, addressable by position or name.
public struct Row: Sendable {
    public let columns: Columns
    public let values: [SQLValue]

    public init(columns: Columns, values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    public subscript(position: Int) -> SQLValue { values[position] }

    /// The value of the named column, or `.null` when there is no such column.
    public subscript(name: String) -> SQLValue {
        guard let i = columns.position(of: name) else { return .null }
        return values[i]
    }
}

/// A batch of rows from a streaming read; the driver reuses nothing between batches, so a
/// batch may be kept, but the point of streaming is that it need not be.
public struct RowBatch: Sendable {
    public let columns: Columns
    public let rows: [[SQLValue]]

    public var count: Int { rows.count }
}
