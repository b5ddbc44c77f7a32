/// A column's exact type for a binary bulk insert (Postgres' binary COPY, where each value
/// is sent in the type's own wire form): what the table was created with, down to the
/// integer's width, which the CSV types (always 64-bit) do not say.
public enum CopyColumnType: Sendable, Equatable {
    /// INTEGER (4 bytes on the wire).
    case integer32
    /// BIGINT.
    case integer
    case double, boolean, timestamp, text, bytes

    /// The type `CSVColumnType.sqlType` creates.
    public init(_ type: CSVColumnType) {
        switch type {
        case .integer: self = .integer
        case .double: self = .double
        case .boolean: self = .boolean
        case .timestamp: self = .timestamp
        case .text: self = .text
        case .bytes: self = .bytes
        }
    }
}
