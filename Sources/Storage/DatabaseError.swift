import Foundation

/// An error from a database driver or from the storage layer's own checks.
///
/// It carries the driver's code (a SQLSTATE for Postgres, the result code name for SQLite),
/// the driver's message, and the SQL that failed — never the values bound to it, and never
/// a connection password.
public struct DatabaseError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Could not connect, or the connection was lost.
        case connection
        /// The database refused a statement.
        case statement
        /// A constraint (unique, foreign key, not null, check) was violated.
        case constraint
        /// The storage layer was used wrongly: nested transaction, bad URL, pool exhausted.
        case misuse
        /// A migration could not be applied or does not match what was applied.
        case migration
    }

    public let kind: Kind
    /// SQLSTATE (Postgres) or SQLite result code name such as `SQLITE_BUSY`.
    public let code: String?
    public let message: String
    /// The failing SQL text, without bound values.
    public let sql: String?

    public init(_ kind: Kind, code: String? = nil, message: String, sql: String? = nil) {
        self.kind = kind
        self.code = code
        self.message = message
        self.sql = sql
    }

    public var description: String {
        var text = message
        if let code { text += " [\(code)]" }
        if let sql {
            let oneLine = sql.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .joined(separator: " ")
            text += "\n  in SQL: " + (oneLine.count > 300 ? oneLine.prefix(300) + "…" : oneLine)
        }
        return text
    }

    static func misuse(_ message: String) -> DatabaseError { DatabaseError(.misuse, message: message) }

    static let nestedTransaction = DatabaseError.misuse(
        "a transaction is already open on this connection; nested transactions are not supported")
}
