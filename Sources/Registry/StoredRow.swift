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

    private func value<T>(_ column: String, _ type: String, _ read: (SQLValue) -> T?) throws -> T {
        guard let v = read(row[column]) else { throw missing(column, type) }
        return v
    }

    func int64(_ column: String) throws -> Int64 { try value(column, "an integer") { $0.int64 } }
    func text(_ column: String) throws -> String { try value(column, "text") { $0.string } }
    func date(_ column: String) throws -> Date { try value(column, "a timestamp") { $0.date } }
    func double(_ column: String) throws -> Double { try value(column, "a number") { $0.double } }

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
