import Foundation

/// Why a version was trained, and what a promotion rule compared it with: the registry's
/// answer to "where did this model come from" months later.
public struct Provenance: Sendable, Codable, Equatable {
    public enum Reason: String, Sendable, Codable, CaseIterable {
        /// `modelserve train` or `POST /models/train`.
        case manual
        /// `modelserve retrain` found the data's fingerprint changed since the name's last version.
        case dataChanged = "data_changed"
        /// `modelserve retrain --force` on a schedule: trained whatever the data.
        case schedule
        /// An online run registered it (`modelserve ingest`).
        case online

        /// In words, for `models show`.
        public var phrase: String {
            switch self {
            case .manual: "trained by hand"
            case .dataChanged: "the data changed"
            case .schedule: "a scheduled retrain"
            case .online: "an online run"
            }
        }
    }

    public var reason: Reason
    /// The name's latest version when this one was trained, and the fingerprint of its data.
    public var previousVersion: Int?
    public var previousFingerprint: String?
    /// The promotion rule's comparison, once it ran.
    public var comparison: Comparison?

    public init(reason: Reason, previousVersion: Int? = nil, previousFingerprint: String? = nil) {
        self.reason = reason
        self.previousVersion = previousVersion
        self.previousFingerprint = previousFingerprint
    }

    /// A promotion rule's verdict on one version.
    public struct Comparison: Sendable, Codable, Equatable {
        public var metric: String
        /// This version's held-out value of `metric`.
        public var value: Double?
        /// Production when the rule ran (nil: there was none), and its value.
        public var productionModelID: Int64?
        public var productionVersion: Int?
        public var productionValue: Double?
        public var promoted: Bool
        public var note: String

        public init(
            metric: String, value: Double?, productionModelID: Int64?, productionVersion: Int?,
            productionValue: Double?, promoted: Bool, note: String
        ) {
            self.metric = metric
            self.value = value
            self.productionModelID = productionModelID
            self.productionVersion = productionVersion
            self.productionValue = productionValue
            self.promoted = promoted
            self.note = note
        }

        enum CodingKeys: String, CodingKey {
            case metric, value, productionModelID = "production_model_id", productionVersion = "production_version"
            case productionValue = "production_value", promoted, note
        }
    }

    enum CodingKeys: String, CodingKey {
        case reason, previousVersion = "previous_version", previousFingerprint = "previous_fingerprint", comparison
    }
}

extension ModelRegistry {
    /// Replaces a version's provenance (a promotion rule's verdict added to why it was trained).
    public func update(_ provenance: Provenance, for id: Int64) throws {
        _ = try database.execute(
            "UPDATE models SET provenance = ? WHERE id = ?", [.text(try JSONText.encode(provenance)), .integer(id)])
    }
}
