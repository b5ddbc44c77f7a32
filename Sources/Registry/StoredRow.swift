import Foundation
import Storage

/// Required columns of a registry row: a NULL or mistyped value is an error naming the
/// table, the row and the column, never a default that would pass for data (an id of 0, a
/// date in 1970).
struct StoredRow {
    let row: Row
    let table: String
    /// Which row, for the message ("model 7").
    let label: String

    /// A value as a person reads it in a message: `7`, `click`, or `NULL`.
    static func shown(_ value: SQLValue) -> String {
        value.int64.map(String.init) ?? value.string ?? "NULL"
    }

    private func missing(_ column: String, _ type: String) -> RegistryError {
        RegistryError(.badValue, "\(table): \(label): column \(column) is not \(type)")
    }

    func int64(_ column: String) throws -> Int64 {
        guard let v = row[column].int64 else { throw missing(column, "an integer") }
        return v
    }

    func text(_ column: String) throws -> String {
        guard let v = row[column].string else { throw missing(column, "text") }
        return v
    }

    func date(_ column: String) throws -> Date {
        guard let v = row[column].date else { throw missing(column, "a timestamp") }
        return v
    }

    func double(_ column: String) throws -> Double {
        guard let v = row[column].double else { throw missing(column, "a number") }
        return v
    }

    /// A JSON column decoded as `T`.
    func json<T: Decodable>(_ column: String, as type: T.Type) throws -> T {
        do {
            return try JSONText.decode(T.self, from: try text(column))
        } catch let error as RegistryError {
            throw error
        } catch {
            throw RegistryError(.badValue, "\(table): \(label): column \(column) does not decode: \(error)")
        }
    }
}
