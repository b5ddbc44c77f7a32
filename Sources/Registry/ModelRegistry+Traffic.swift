public import Foundation
import Storage

/// How requests that name no version are shared among a name's versions (a canary), and
/// which versions score the same rows without answering (shadows).
public struct TrafficSplit: Sendable, Equatable, Encodable {
    public var name: String
    /// Version id -> share of requests; the shares sum to 1.
    public var weights: [Int64: Double]
    public var shadow: [Int64]
    public var updatedAt: Date
    public var updatedBy: String

    enum CodingKeys: String, CodingKey {
        case name, weights, shadow, updatedAt = "updated_at", updatedBy = "updated_by"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(Dictionary(uniqueKeysWithValues: weights.map { (String($0.key), $0.value) }), forKey: .weights)
        try c.encode(shadow, forKey: .shadow)
        try c.encode(updatedAt, forKey: .updatedAt)
        try c.encode(updatedBy, forKey: .updatedBy)
    }
}

extension ModelRegistry {
    /// The most versions a split names (answering and shadow together).
    public static let maximumSplitVersions = 10

    /// Sets a name's split (replacing any): every id must be a version of `name`, weights
    /// positive and summing to 1, shadows apart from the weighted ones. Followed by every
    /// serve process like an assignment.
    @discardableResult
    public func setTraffic(name: String, weights: [Int64: Double], shadow: [Int64], by: String) throws -> TrafficSplit {
        guard !weights.isEmpty else { throw RegistryError(.badValue, "split names no version") }
        guard weights.count + shadow.count <= Self.maximumSplitVersions else {
            throw RegistryError(.badValue, "a split names at most \(Self.maximumSplitVersions) versions")
        }
        if let bad = weights.first(where: { !($0.value > 0 && $0.value <= 1) }) {
            throw RegistryError(.badValue, "the weight of version \(bad.key) must be above 0 and at most 1")
        }
        let total = weights.values.reduce(0, +)
        guard abs(total - 1) < 1e-9 else {
            throw RegistryError(.badValue, "the weights must sum to 1; they sum to \(total)")
        }
        if let both = shadow.first(where: { weights[$0] != nil }) {
            throw RegistryError(.badValue, "version \(both) cannot both answer and shadow")
        }
        guard Set(shadow).count == shadow.count else {
            throw RegistryError(.badValue, "a shadow version is listed twice")
        }
        let now = Date()
        try database.transaction { connection in
            for id in Array(weights.keys) + shadow {
                let row = try connection.queryFirst("SELECT name FROM models WHERE id = ?", [.integer(id)])
                guard let owner = row?[0].string else { throw RegistryError(.notFound, "no model with id \(id)") }
                guard owner == name else {
                    throw RegistryError(.badValue, "version \(id) is a version of \(owner), not of \(name)")
                }
            }
            try connection.execute(
                """
                INSERT INTO traffic_splits (name, weights, shadow, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET weights = excluded.weights, shadow = excluded.shadow,
                    updated_at = excluded.updated_at, updated_by = excluded.updated_by
                """,
                [
                    .text(name),
                    .text(
                        try JSONText.encode(
                            Dictionary(uniqueKeysWithValues: weights.map { (String($0.key), $0.value) }))),
                    .text(try JSONText.encode(shadow)), .timestamp(now), .text(by),
                ])
            if connection.dialect == .postgres {
                try connection.execute("SELECT pg_notify('modelserve_production', ?)", [.text(name)])
            }
        }
        return TrafficSplit(name: name, weights: weights, shadow: shadow, updatedAt: now, updatedBy: by)
    }

    /// Every name's split.
    public func traffic() throws -> [TrafficSplit] {
        try database.query("SELECT name, weights, shadow, updated_at, updated_by FROM traffic_splits ORDER BY name")
            .map { row in
                let stored = StoredRow(
                    row: row, table: "traffic_splits", label: "split \(StoredRow.shown(row["name"]))")
                let weights = try stored.json("weights", as: [String: Double].self)
                var byID: [Int64: Double] = [:]
                for (key, value) in weights {
                    guard let id = Int64(key) else {
                        throw RegistryError(.badValue, "traffic_splits: a weight's key is not an id")
                    }
                    byID[id] = value
                }
                return TrafficSplit(
                    name: try stored.text("name"), weights: byID, shadow: try stored.json("shadow", as: [Int64].self),
                    updatedAt: try stored.date("updated_at"), updatedBy: try stored.text("updated_by"))
            }
    }
}
