/// Why data could not be learned from, or a model could not be used: one type with a code
/// for programs and a message for people that names the feature, row or value at fault.
public struct LearningError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable {
        case emptyData = "empty_data"
        case singleClass = "single_class"
        case nonBinaryTarget = "non_binary_target"
        case nonFinite = "non_finite"
        case missingValue = "missing_value"
        case constantColumn = "constant_column"
        case tooFewRows = "too_few_rows"
        case collinear
        case unknownHyperparameter = "unknown_hyperparameter"
        case invalidHyperparameter = "invalid_hyperparameter"
        case unknownFeature = "unknown_feature"
        case missingFeature = "missing_feature"
        case wrongType = "wrong_type"
        case invalidTarget = "invalid_target"
        case malformedArtifact = "malformed_artifact"
        case unsupportedVersion = "unsupported_version"
        case shapeMismatch = "shape_mismatch"
        case tooLarge = "too_large"
        case unknownKind = "unknown_kind"
    }

    public let code: Code
    public let message: String
    /// Per-feature problems, when a row has several (feature name -> what is wrong).
    public let details: [String: String]

    public init(_ code: Code, _ message: String, details: [String: String] = [:]) {
        self.code = code
        self.message = message
        self.details = details
    }

    public var description: String { message }
}
