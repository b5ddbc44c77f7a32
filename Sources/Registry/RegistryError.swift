/// Why a registry operation failed: a code for programs (and HTTP status mapping later),
/// a message for people.
public struct RegistryError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case notFound = "not_found"
        case noData = "no_data"
        case missingColumn = "missing_column"
        case badValue = "bad_value"
        case noProduction = "no_production"
        case nothingToRollBack = "nothing_to_roll_back"
        case invalidExport = "invalid_export"
        case unknownMetric = "unknown_metric"
        /// Another process moved an online run on (two ingests resuming one run).
        case runMoved = "run_moved"
        /// Something already recorded that the request would overwrite (feedback given twice).
        case conflict
        /// The training rows hold suspicious values and the spec says `on_suspicious: fail`.
        case suspiciousData = "suspicious_data"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
