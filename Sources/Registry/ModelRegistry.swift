public import Foundation
public import Learning
public import Storage

/// The model registry over a database: versions with their metrics, the production
/// pointer per model name, and its history.
public final class ModelRegistry: Sendable {
    public let database: any Database

    /// Every table the registry's migrations create, on either database: `load` must never
    /// write them. A test compares this with a migrated database, so a new migration's table
    /// cannot be missed.
    public static let tables: Set<String> = [
        "models", "production_model", "model_assignments", "training_runs", "training_checkpoints", "request_log",
        "search_trials", "model_samples", "feedback", "model_profiles", "traffic_splits", "request_minutes",
        "training_jobs", "data_profiles", "request_log_minute_ids",
    ]

    /// The tables the migrations create on a dialect: SQLite alone keeps the request log's
    /// per-minute id bounds (`tables` protects every name on both).
    public static func tables(in dialect: SQLDialect) -> Set<String> {
        dialect == .sqlite ? tables : tables.subtracting(["request_log_minute_ids"])
    }

    public init(_ database: any Database) {
        self.database = database
    }

    /// A version about to be registered; once registered, the body of its `ModelRecord`.
    /// Its coding keys are the one list of a version's fields: the JSON documents (summary,
    /// detail, export) are this record's fields, or a named subset of them.
    public struct Draft: Sendable, Codable {
        public var name: String
        public var kind: ModelKind
        public var hyperparameters: Hyperparameters
        public var metrics: VersionMetrics
        public var featureSchema: FeatureSchema
        public var trainingQuery: String?
        public var rowCount: Int?
        public var dataFingerprint: String?
        public var artifact: String
        public var trainingSeconds: Double?
        public var createdAt = Date()
        /// Why it was trained, and what a promotion rule compared it with.
        public var provenance: Provenance?
        /// Training rows kept for "similar samples" (`similar:` in the spec), stored beside
        /// the version in `model_samples`, not in the record's documents.
        public var samples: SimilarSamples?
        /// The training rows' profile, stored in `model_profiles`: the reference for drift.
        public var profile: FeatureProfile?
        /// The profile of every row the training query returned (`data_profiles`); set by
        /// `register(_:dataProfile:)`.
        public var dataProfileID: Int64?
        /// What the version is for and what cleaning did to its rows.
        public var card: VersionCard?

        public enum Field: String, CodingKey, CaseIterable, Sendable {
            case name, kind, hyperparameters, metrics, featureSchema = "feature_schema"
            case trainingQuery = "training_query", rowCount = "row_count", dataFingerprint = "data_fingerprint"
            case artifact, trainingSeconds = "training_seconds", createdAt = "created_at", provenance
            case dataProfileID = "data_profile_id", card
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Field.self)
            name = try c.decode(String.self, forKey: .name)
            kind = try c.decode(ModelKind.self, forKey: .kind)
            hyperparameters = try c.decode(Hyperparameters.self, forKey: .hyperparameters)
            metrics = try c.decode(VersionMetrics.self, forKey: .metrics)
            featureSchema = try c.decode(FeatureSchema.self, forKey: .featureSchema)
            trainingQuery = try c.decodeIfPresent(String.self, forKey: .trainingQuery)
            rowCount = try c.decodeIfPresent(Int.self, forKey: .rowCount)
            dataFingerprint = try c.decodeIfPresent(String.self, forKey: .dataFingerprint)
            artifact = try c.decode(String.self, forKey: .artifact)
            trainingSeconds = try c.decodeIfPresent(Double.self, forKey: .trainingSeconds)
            createdAt = try c.decode(Date.self, forKey: .createdAt)
            provenance = try c.decodeIfPresent(Provenance.self, forKey: .provenance)
            // A profile id names a row of the database it came from: an import has none.
            card = try c.decodeIfPresent(VersionCard.self, forKey: .card)
        }

        public func encode(to encoder: any Encoder) throws {
            try encode(to: encoder, fields: Set(Field.allCases))
        }

        /// Encodes the named fields only (a summary leaves out the artifact and the query).
        public func encode(to encoder: any Encoder, fields: Set<Field>) throws {
            var c = encoder.container(keyedBy: Field.self)
            for field in Field.allCases where fields.contains(field) {
                switch field {
                case .name: try c.encode(name, forKey: field)
                case .kind: try c.encode(kind, forKey: field)
                case .hyperparameters: try c.encode(hyperparameters, forKey: field)
                case .metrics: try c.encode(metrics, forKey: field)
                case .featureSchema: try c.encode(featureSchema, forKey: field)
                case .trainingQuery: try c.encodeIfPresent(trainingQuery, forKey: field)
                case .rowCount: try c.encodeIfPresent(rowCount, forKey: field)
                case .dataFingerprint: try c.encodeIfPresent(dataFingerprint, forKey: field)
                case .artifact: try c.encode(artifact, forKey: field)
                case .trainingSeconds: try c.encodeIfPresent(trainingSeconds, forKey: field)
                case .createdAt: try c.encode(createdAt, forKey: field)
                case .provenance: try c.encodeIfPresent(provenance, forKey: field)
                case .dataProfileID: try c.encodeIfPresent(dataProfileID, forKey: field)
                case .card: try c.encodeIfPresent(card, forKey: field)
                }
            }
        }

        public init(
            name: String, kind: ModelKind, hyperparameters: Hyperparameters, metrics: VersionMetrics,
            featureSchema: FeatureSchema, trainingQuery: String?, rowCount: Int?, dataFingerprint: String?,
            artifact: String, trainingSeconds: Double?
        ) {
            self.name = name
            self.kind = kind
            self.hyperparameters = hyperparameters
            self.metrics = metrics
            self.featureSchema = featureSchema
            self.trainingQuery = trainingQuery
            self.rowCount = rowCount
            self.dataFingerprint = dataFingerprint
            self.artifact = artifact
            self.trainingSeconds = trainingSeconds
        }
    }

    /// A change of the production pointer.
    public struct Assignment: Sendable, Equatable {
        public var name: String
        public var fromModelID: Int64?
        public var toModelID: Int64
        public var assignedAt: Date
        public var assignedBy: String
    }

    /// The production version of a name.
    public struct Production: Sendable {
        public var record: ModelRecord
        public var assignedAt: Date
    }

    // MARK: Registering

    /// Registers versions in one transaction: all or none. Versions per name increase by
    /// one; concurrent registrations of a name are serialised by a lock on it.
    @discardableResult
    public func register(_ drafts: [Draft], dataProfile: DataProfiles.Draft? = nil) throws -> [ModelRecord] {
        try database.transaction { connection in
            let profileID = try dataProfile.map { try DataProfiles.insert($0, on: connection) }
            return try drafts.map { draft in
                var draft = draft
                if let profileID { draft.dataProfileID = profileID }
                return try register(draft, on: connection)
            }
        }
    }

    func register(_ draft: Draft, on connection: any Connection) throws -> ModelRecord {
        try connection.lock("modelserve.models:\(draft.name)")
        let next =
            try connection.queryFirst(
                "SELECT COALESCE(MAX(version), 0) + 1 FROM models WHERE name = ?", [.text(draft.name)])?[0].int64 ?? 1
        let row = try connection.queryFirst(
            """
            INSERT INTO models (name, version, kind, hyperparameters, metrics, feature_schema, training_query,
                row_count, data_fingerprint, artifact, training_seconds, created_at, provenance, data_profile_id, card)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            RETURNING id
            """,
            [
                .text(draft.name), .integer(next), .text(draft.kind.rawValue),
                .text(try JSONText.encode(draft.hyperparameters)), .text(try JSONText.encode(draft.metrics)),
                .text(try JSONText.encode(draft.featureSchema)), SQLValue(draft.trainingQuery),
                SQLValue(draft.rowCount), SQLValue(draft.dataFingerprint), .text(draft.artifact),
                SQLValue(draft.trainingSeconds), .timestamp(draft.createdAt),
                SQLValue(try draft.provenance.map { try JSONText.encode($0) }),
                draft.dataProfileID.map(SQLValue.integer) ?? .null,
                SQLValue(try draft.card.map { try JSONText.encode($0) }),
            ])
        guard let id = row?[0].int64 else { throw RegistryError(.notFound, "the new model's id was not returned") }
        if let samples = draft.samples {
            try connection.execute(
                "INSERT INTO model_samples (model_id, spec, data, row_count) VALUES (?, ?, ?, ?)",
                [
                    .integer(id), .text(try JSONText.encode(samples.spec)),
                    .text(
                        try JSONText.encode(SimilarSamples.Stored(columns: samples.columns, values: samples.values))),
                    .integer(Int64(samples.rowCount)),
                ])
        }
        if let profile = draft.profile {
            try connection.execute(
                "INSERT INTO model_profiles (model_id, profile) VALUES (?, ?)",
                [.integer(id), .text(try JSONText.encode(profile))])
        }
        return ModelRecord(id: id, version: Int(next), registered: draft)
    }

    // MARK: Reading

    /// Versions, newest first, optionally of one name, each marked if it is production.
    public func list(name: String? = nil) throws -> [ModelRecord] {
        let filter = name == nil ? "" : "WHERE m.name = ?"
        let rows = try database.query(
            """
            SELECT m.*, (p.model_id IS NOT NULL) AS is_production
            FROM models m LEFT JOIN production_model p ON p.model_id = m.id
            \(filter)
            ORDER BY m.name, m.version DESC
            """, name.map { [.text($0)] } ?? [])
        return try rows.map(Self.record)
    }

    public func record(id: Int64) throws -> ModelRecord {
        guard
            let row = try database.query(
                """
                SELECT *, EXISTS (SELECT 1 FROM production_model p WHERE p.model_id = models.id) AS is_production
                FROM models WHERE id = ?
                """, [.integer(id)]
            ).first
        else { throw RegistryError(.notFound, "no model with id \(id)") }
        return try Self.record(row)
    }

    /// A name's newest version number and the fingerprint of its data (nil: no version yet),
    /// without reading its artifact.
    public func latestData(name: String) throws -> (version: Int, fingerprint: String?)? {
        guard
            let row = try database.query(
                "SELECT version, data_fingerprint FROM models WHERE name = ? ORDER BY version DESC LIMIT 1",
                [.text(name)]
            ).first, let version = row[0].int64
        else { return nil }
        return (Int(version), row[1].string)
    }

    /// A name's newest version, nil when it has none.
    public func latest(name: String) throws -> ModelRecord? {
        guard
            let row = try database.query(
                "SELECT id FROM models WHERE name = ? ORDER BY version DESC LIMIT 1", [.text(name)]
            ).first,
            let id = row[0].int64
        else { return nil }
        return try record(id: id)
    }

    public func record(name: String, version: Int) throws -> ModelRecord {
        guard
            let row = try database.query(
                "SELECT id FROM models WHERE name = ? AND version = ?", [.text(name), .integer(Int64(version))]
            ).first, let id = row[0].int64
        else { throw RegistryError(.notFound, "no model \(name) version \(version)") }
        return try record(id: id)
    }

    static func record(_ row: Row) throws -> ModelRecord {
        let stored = StoredRow(row: row, table: "models", label: "model \(StoredRow.shown(row["id"]))")
        let kindName = try stored.text("kind")
        guard let kind = ModelKind(rawValue: kindName) else {
            throw RegistryError(.badValue, "model \(StoredRow.shown(row["id"])) has an unknown kind '\(kindName)'")
        }
        var registered = Draft(
            name: try stored.text("name"), kind: kind,
            hyperparameters: try stored.json("hyperparameters", as: Hyperparameters.self),
            metrics: try stored.json("metrics", as: VersionMetrics.self),
            featureSchema: try stored.json("feature_schema", as: FeatureSchema.self),
            trainingQuery: row["training_query"].string, rowCount: row["row_count"].int64.map(Int.init),
            dataFingerprint: row["data_fingerprint"].string, artifact: try stored.text("artifact"),
            trainingSeconds: row["training_seconds"].double)
        registered.createdAt = try stored.date("created_at")
        if !row["provenance"].isNull { registered.provenance = try stored.json("provenance", as: Provenance.self) }
        registered.dataProfileID = row["data_profile_id"].int64
        if !row["card"].isNull { registered.card = try stored.json("card", as: VersionCard.self) }
        return ModelRecord(
            id: try stored.int64("id"), version: Int(try stored.int64("version")), registered: registered,
            isProduction: row["is_production"].bool ?? false)
    }

    /// The training rows a version keeps for similar samples, indexed; nil when its spec had
    /// no `similar:`.
    public func samples(modelID: Int64) throws -> SimilarSamples? {
        guard
            let row = try database.query(
                "SELECT model_id, spec, data FROM model_samples WHERE model_id = ?", [.integer(modelID)]
            ).first
        else { return nil }
        let stored = StoredRow(row: row, table: "model_samples", label: "model \(modelID)")
        let data = try stored.json("data", as: SimilarSamples.Stored.self)
        return try SimilarSamples(
            spec: try stored.json("spec", as: SimilarSpec.self), columns: data.columns, values: data.values)
    }

    // MARK: Production pointer

    /// Makes a version production for its name and records who did it.
    @discardableResult
    public func assign(id: Int64, by: String) throws -> Assignment {
        try database.transaction { connection in
            guard let target = try connection.queryFirst("SELECT name FROM models WHERE id = ?", [.integer(id)]),
                let name = target[0].string
            else { throw RegistryError(.notFound, "no model with id \(id)") }
            return try assign(id: id, name: name, by: by, on: connection)
        }
    }

    func assign(id: Int64, name: String, by: String, on connection: any Connection) throws -> Assignment {
        try connection.lock("modelserve.production:\(name)")
        let previous = try connection.queryFirst(
            "SELECT model_id FROM production_model WHERE name = ?", [.text(name)])?[0].int64
        let now = Date()
        try connection.execute(
            """
            INSERT INTO production_model (name, model_id, assigned_at) VALUES (?, ?, ?)
            ON CONFLICT (name) DO UPDATE SET model_id = excluded.model_id, assigned_at = excluded.assigned_at
            """, [.text(name), .integer(id), .timestamp(now)])
        try connection.execute(
            "INSERT INTO model_assignments (name, from_model_id, to_model_id, assigned_at, assigned_by) VALUES (?, ?, ?, ?, ?)",
            [.text(name), previous.map(SQLValue.integer) ?? .null, .integer(id), .timestamp(now), .text(by)])
        // A new production version ends the name's canary and shadow split.
        try connection.execute("DELETE FROM traffic_splits WHERE name = ?", [.text(name)])
        if connection.dialect == .postgres {
            // Other serve processes follow production changes through this channel.
            try connection.execute("SELECT pg_notify('modelserve_production', ?)", [.text(name)])
        }
        return Assignment(name: name, fromModelID: previous, toModelID: id, assignedAt: now, assignedBy: by)
    }

    /// The id of `name`'s production version, without reading any record.
    public func productionID(name: String) throws -> Int64? {
        try database.query("SELECT model_id FROM production_model WHERE name = ?", [.text(name)]).first?[0].int64
    }

    /// The production version of `name`, if one is assigned.
    public func production(name: String) throws -> Production? {
        try productions().first { $0.record.name == name }
    }

    /// Every name's production version.
    public func productions() throws -> [Production] {
        try productionPointers().map { Production(record: try record(id: $0.modelID), assignedAt: $0.assignedAt) }
    }

    /// The production pointers alone, by name: what a server compares with the models it
    /// serves before reading any record (a record, its artifact decoded, is ~1M instructions
    /// for a 100-tree model; the watcher looks every second).
    public func productionPointers() throws -> [(name: String, modelID: Int64, assignedAt: Date)] {
        let rows = try database.query(
            "SELECT name, model_id, assigned_at FROM production_model ORDER BY name")
        return try rows.map { row in
            let stored = StoredRow(row: row, table: "production_model", label: "name \(StoredRow.shown(row["name"]))")
            return (try stored.text("name"), try stored.int64("model_id"), try stored.date("assigned_at"))
        }
    }

    /// Points production back at the version it pointed to before the latest assignment.
    @discardableResult
    public func rollback(name: String, by: String) throws -> Assignment {
        try database.transaction { connection in
            try connection.lock("modelserve.production:\(name)")
            guard
                let latest = try connection.queryFirst(
                    "SELECT from_model_id FROM model_assignments WHERE name = ? ORDER BY id DESC LIMIT 1", [.text(name)]
                )
            else { throw RegistryError(.noProduction, "model \(name) has never been assigned to production") }
            guard let previous = latest[0].int64 else {
                throw RegistryError(.nothingToRollBack, "model \(name) has no earlier production version to go back to")
            }
            return try assign(id: previous, name: name, by: by, on: connection)
        }
    }

    /// The assignment history of a name, newest first.
    public func assignments(name: String) throws -> [Assignment] {
        try database.query(
            "SELECT name, from_model_id, to_model_id, assigned_at, assigned_by FROM model_assignments WHERE name = ? ORDER BY id DESC",
            [.text(name)]
        ).map { row in
            let stored = StoredRow(row: row, table: "model_assignments", label: "an assignment of \(name)")
            return Assignment(
                name: try stored.text("name"), fromModelID: row["from_model_id"].int64,
                toModelID: try stored.int64("to_model_id"), assignedAt: try stored.date("assigned_at"),
                assignedBy: try stored.text("assigned_by"))
        }
    }
}
