public import Foundation

/// The versioned JSON form of a model: what the registry stores and `models export` prints.
///
/// ```json
/// {"format": "modelserve.model", "schema_version": 2, "kind": "logistic",
///  "features": {...}, "preprocessing": {...}, "feature_names": [...],
///  "estimator": {"coefficients": {"x1": 0.5, "color=E": -1.2}, "intercept": 0.1},
///  "hyperparameters": {...}, "training": {...}}
/// ```
///
/// The `estimator` object is the family's own (`Estimator.encode`). Version 1 artifacts,
/// which had a linear body's `coefficients` and `intercept` at the top level, still load.
extension Model: Codable {
    public static let artifactFormat = "modelserve.model"
    public static let artifactSchemaVersion = 2
    public static let readableSchemaVersions = 1...2

    enum CodingKeys: String, CodingKey {
        case format, schemaVersion = "schema_version", kind, features, preprocessing
        case featureNames = "feature_names", estimator, hyperparameters, training
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let format = try container.decodeIfPresent(String.self, forKey: .format)
        guard format == Self.artifactFormat else {
            throw LearningError(
                .malformedArtifact,
                "not a modelserve model artifact (format is \(format.map { "'\($0)'" } ?? "missing"))")
        }
        let version = try container.decode(Int.self, forKey: .schemaVersion)
        guard Self.readableSchemaVersions.contains(version) else {
            throw LearningError(
                .unsupportedVersion,
                "model artifact schema version \(version) is not supported (this build reads versions \(Self.readableSchemaVersions.lowerBound)-\(Self.readableSchemaVersions.upperBound))"
            )
        }
        kind = try container.decode(ModelKind.self, forKey: .kind)
        schema = try container.decode(FeatureSchema.self, forKey: .features)
        preprocessor = try container.decode(Preprocessor.self, forKey: .preprocessing)
        let names = try container.decode([String].self, forKey: .featureNames)
        guard names == preprocessor.featureNames else {
            throw LearningError(.malformedArtifact, "feature_names do not match the preprocessing")
        }
        hyperparameters = try container.decode(Hyperparameters.self, forKey: .hyperparameters)
        do {
            settings = try ModelSettings(kind: kind, hyperparameters)
        } catch let error as LearningError {
            throw LearningError(.malformedArtifact, "artifact hyperparameters: \(error.message)")
        }
        // Version 1 kept a linear body's fields at the top level.
        let body = version == 1 ? decoder : try container.superDecoder(forKey: .estimator)
        estimator = try kind.family.decodeEstimator(from: body, featureNames: names, settings.parameters)
        training = try container.decode(TrainingSummary.self, forKey: .training)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.artifactFormat, forKey: .format)
        try container.encode(Self.artifactSchemaVersion, forKey: .schemaVersion)
        try container.encode(kind, forKey: .kind)
        try container.encode(schema, forKey: .features)
        try container.encode(preprocessor, forKey: .preprocessing)
        try container.encode(featureNames, forKey: .featureNames)
        try estimator.encode(to: container.superEncoder(forKey: .estimator), featureNames: featureNames)
        try container.encode(hyperparameters, forKey: .hyperparameters)
        try container.encode(training, forKey: .training)
    }

    /// The artifact as JSON bytes (keys sorted, so equal models give equal bytes).
    public func artifactJSON() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return try encoder.encode(self)
    }

    /// Reads an artifact; a malformed one or an unknown version is a clear error.
    public static func fromArtifact(_ data: Data) throws -> Model {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        do {
            return try decoder.decode(Model.self, from: data)
        } catch let error as LearningError {
            throw error
        } catch let DecodingError.keyNotFound(key, context) {
            throw LearningError(.malformedArtifact, "model artifact lacks \(path(context.codingPath + [key]))")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw LearningError(.malformedArtifact, "model artifact has a wrong value at \(path(context.codingPath))")
        } catch let DecodingError.dataCorrupted(context) {
            throw LearningError(
                .malformedArtifact,
                "model artifact is not valid: \(context.debugDescription)\(context.codingPath.isEmpty ? "" : " at \(path(context.codingPath))")"
            )
        } catch {
            throw LearningError(.malformedArtifact, "model artifact is not valid: \(error)")
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}
