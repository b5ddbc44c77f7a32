public import Foundation
import Learning

/// Moving a version between registries: one JSON document with the artifact and the
/// registry's record of it (metrics, query, fingerprint...).
extension ModelRegistry {
    public static let exportFormat = "modelserve.export"

    /// The registered record, all its fields, plus the format and the version it had.
    struct ExportDocument: Codable {
        var format = ModelRegistry.exportFormat
        var formatVersion = 1
        var version: Int
        /// With the artifact text verbatim, so predictions after import are bit-identical.
        var record: Draft

        enum CodingKeys: String, CodingKey {
            case format, formatVersion = "format_version", version
        }

        init(version: Int, record: Draft) {
            self.version = version
            self.record = record
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            format = try c.decode(String.self, forKey: .format)
            formatVersion = try c.decode(Int.self, forKey: .formatVersion)
            version = try c.decode(Int.self, forKey: .version)
            record = try Draft(from: decoder)
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(format, forKey: .format)
            try c.encode(formatVersion, forKey: .formatVersion)
            try c.encode(version, forKey: .version)
            try record.encode(to: encoder)
        }
    }

    /// The export document of a version, as pretty JSON.
    public func export(id: Int64) throws -> Data {
        let record = try record(id: id)
        return try JSONText.data(ExportDocument(version: record.version, record: record.registered), pretty: true)
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
            model = try Model.fromArtifact(Data(document.record.artifact.utf8))
        } catch let error as LearningError {
            throw RegistryError(.invalidExport, "the export's artifact is not valid: \(error.message)")
        }
        guard model.kind == document.record.kind else {
            throw RegistryError(
                .invalidExport, "the export says kind \(document.record.kind) but its artifact is \(model.kind)")
        }
        var draft = document.record
        draft.name = name ?? draft.name
        draft.createdAt = Date()
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
