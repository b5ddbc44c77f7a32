public import Foundation
public import Learning
public import Storage

/// Stored profiles (`data_profiles`): saved by `modelserve profile --save`, `POST /profiles`
/// and every training run, read back by id for `GET /profiles/{id}` and the model card.
public struct DataProfiles: Sendable {
    public let database: any Database

    public init(_ database: any Database) { self.database = database }

    /// A profile about to be stored.
    public struct Draft: Sendable {
        public var query: String
        public var target: String?
        public var profile: DataProfile

        public init(query: String, target: String?, profile: DataProfile) {
            self.query = query
            self.target = target
            self.profile = profile
        }
    }

    public struct Stored: Sendable {
        public var id: Int64
        public var createdAt: Date
        public var query: String
        public var target: String?
        public var profile: DataProfile
    }

    public func save(_ draft: Draft) throws -> Int64 {
        try database.transaction { try Self.insert(draft, on: $0) }
    }

    static func insert(_ draft: Draft, on connection: any Connection) throws -> Int64 {
        guard
            let id = try connection.queryFirst(
                "INSERT INTO data_profiles (created_at, query, target, row_count, profile) VALUES (?, ?, ?, ?, ?) RETURNING id",
                [
                    .timestamp(Date()), .text(draft.query), SQLValue(draft.target), .integer(Int64(draft.profile.rows)),
                    .text(try JSONText.encode(draft.profile)),
                ])?[0].int64
        else { throw RegistryError(.notFound, "the new profile's id was not returned") }
        return id
    }

    public func profile(id: Int64) throws -> Stored {
        guard let row = try database.query("SELECT * FROM data_profiles WHERE id = ?", [.integer(id)]).first else {
            throw RegistryError(.notFound, "no profile with id \(id)")
        }
        let stored = StoredRow(row: row, table: "data_profiles", label: "profile \(id)")
        return Stored(
            id: id, createdAt: try stored.date("created_at"), query: try stored.text("query"),
            target: row["target"].string, profile: try stored.json("profile", as: DataProfile.self))
    }
}
