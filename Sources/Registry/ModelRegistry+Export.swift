public import Foundation
import Learning

/// Moving a version between registries: one JSON document with the artifact and the
/// registry's record of it (metrics, query, fingerprint...).
extension ModelRegistry {
    public static let exportFormat = "modelserve.export"

    struct ExportDocument: Codable {
        var format: String
        var formatVersion: Int
        var name: String
        var version: Int
        var kind: ModelKind
        var hyperparameters: Hyperparameters
        var metrics: VersionMetrics
        var featureSchema: FeatureSchema
        var trainingQuery: String?
        var rowCount: Int?
        var dataFingerprint: String?
        var trainingSeconds: Double?
        var createdAt: Date
        /// The artifact text, verbatim, so predictions after import are bit-identical.
        var artifact: String

        enum CodingKeys: String, CodingKey {
            case format, formatVersion = "format_version", name, version, kind, hyperparameters, metrics
            case featureSchema = "feature_schema", trainingQuery = "training_query", rowCount = "row_count"
            case dataFingerprint = "data_fingerprint", trainingSeconds = "training_seconds", createdAt = "created_at"
            case artifact
        }
    }

    /// The export document of a version, as pretty JSON.
    public func export(id: Int64) throws -> Data {
        let record = try record(id: id)
        let document = ExportDocument(
            format: Self.exportFormat, formatVersion: 1, name: record.name, version: record.version, kind: record.kind,
            hyperparameters: record.hyperparameters, metrics: record.metrics, featureSchema: record.featureSchema,
            trainingQuery: record.trainingQuery, rowCount: record.rowCount, dataFingerprint: record.dataFingerprint,
            trainingSeconds: record.trainingSeconds, createdAt: record.createdAt, artifact: record.artifact)
        return try JSONText.data(document, pretty: true)
    }

    /// Registers an exported version as the next version of its name (or of `name`).
    @discardableResult
    public func importExport(_ data: Data, name: String? = nil) throws -> ModelRecord {
        let document: ExportDocument
        do {
            document = try JSONText.decode(ExportDocument.self, from: data)
        } catch {
            throw RegistryError(.invalidExport, "not a modelserve export document: \(Self.describe(error))")
        }
        guard document.format == Self.exportFormat, document.formatVersion == 1 else {
            throw RegistryError(
                .invalidExport, "unsupported export (format \(document.format) version \(document.formatVersion))")
        }
        let model: Model
        do {
            model = try Model.fromArtifact(Data(document.artifact.utf8))
        } catch let error as LearningError {
            throw RegistryError(.invalidExport, "the export's artifact is not valid: \(error.message)")
        }
        guard model.kind == document.kind else {
            throw RegistryError(
                .invalidExport, "the export says kind \(document.kind) but its artifact is \(model.kind)")
        }
        let draft = Draft(
            name: name ?? document.name, kind: document.kind, hyperparameters: document.hyperparameters,
            metrics: document.metrics, featureSchema: document.featureSchema, trainingQuery: document.trainingQuery,
            rowCount: document.rowCount, dataFingerprint: document.dataFingerprint, artifact: document.artifact,
            trainingSeconds: document.trainingSeconds)
        return try register([draft])[0]
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing \(key.stringValue)"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "wrong value at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.dataCorrupted(let context): context.debugDescription
        default: "\(error)"
        }
    }
}
