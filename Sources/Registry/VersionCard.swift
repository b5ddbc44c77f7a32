public import Learning

/// What a version's model card says beyond its numbers: the spec's description, intended use
/// and marked colliders, and what cleaning did to the rows the query returned.
public struct VersionCard: Sendable, Codable, Equatable {
    public var description: String?
    public var intendedUse: String?
    /// Columns the spec marks as colliders (caused by both a feature and the outcome).
    public var colliders: [String]?
    public var cleaning: Cleaning?
    /// For probabilities: predicted against observed on the held-out rows (the training
    /// rows when nothing was held out), in ten bins.
    public var calibration: [CalibrationBin]?

    public init(description: String? = nil, intendedUse: String? = nil, colliders: [String]? = nil) {
        self.description = description
        self.intendedUse = intendedUse
        self.colliders = colliders
    }

    /// The rows read, what was dropped and why, and what the rules found.
    public struct Cleaning: Sendable, Codable, Equatable {
        public var filter: String?
        public var dropDuplicates: Bool
        public var onSuspicious: SuspiciousPolicy
        /// Rows the query returned (after `filter`).
        public var rowsRead: Int
        public var duplicatesDropped: Int
        public var suspiciousDropped: Int
        /// The findings' messages, as reported before fitting.
        public var findings: [String]

        enum CodingKeys: String, CodingKey {
            case filter = "where", dropDuplicates = "drop_duplicates", onSuspicious = "on_suspicious"
            case rowsRead = "rows_read", duplicatesDropped = "duplicates_dropped"
            case suspiciousDropped = "suspicious_dropped", findings
        }
    }

    enum CodingKeys: String, CodingKey {
        case description, intendedUse = "intended_use", colliders, cleaning, calibration
    }
}

/// What training does when the profile finds suspicious rows: stop and register nothing,
/// report them and train on every row (the default), or drop the rows the findings name.
public enum SuspiciousPolicy: String, Sendable, Codable, CaseIterable {
    case fail, warn, drop
}
