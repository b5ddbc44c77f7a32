import Foundation
import Learning
import Registry

/// `POST /similar`: "given a diamond, return n training samples with the same cut, color and
/// clarity and the most similar weight", from the rows the production version was trained on
/// (indexed in memory when the version is loaded, so it runs on the loop).
enum SimilarRoutes: RouteGroup {
    static func register(on router: inout RouterBuilder) {
        router.post(
            "/similar", runs: .onLoop,
            RouteDescription(
                summary: "The n training rows of the production version most similar to a row (spec's similar:)",
                body: .init(
                    schema: .object([
                        .required("features", .anyObject),
                        .optional("n", .integer(minimum: 1, maximum: SimilarSamples.maximumN)),
                        .optional("model", .string), .optional("model_id", .integer(minimum: 1)),
                    ]),
                    example: [
                        "model": "diamonds", "n": 5,
                        "features": ["carat": 0.7, "cut": "Ideal", "color": "G", "clarity": "VS1"],
                    ]),
                responses: [
                    200:
                        "rows (each with its distance), model_id, name, version; an empty list with a note for an unseen group",
                    400: "Malformed JSON", 404: "Unknown model, or it keeps no samples", 422: "Invalid features or n",
                    503: "No production model",
                ]),
            handler: similar)
    }

    static func similar(_ services: Services, _ context: RouteContext) throws -> Reply {
        guard case .object(let members) = try context.json() else {
            throw APIError(422, "invalid_request", "the body must be an object with \"features\" and \"n\"")
        }
        var problems: [String: String] = [:]
        var features: [String: FeatureValue] = [:]
        var n = 5
        var modelName: String?
        var modelID: Int64?
        for (key, value) in members {
            switch (key, value) {
            case ("features", .object(let fields)):
                features.reserveCapacity(fields.count)
                for (name, field) in fields {
                    switch field {
                    case .number(let v): features[name] = .number(v)
                    case .string(let s): features[name] = .text(s)
                    case .bool(let b): features[name] = .text(b ? "true" : "false")
                    case .null: features[name] = .missing
                    case .array, .object: problems["features.\(name)"] = "must be a number, a string or null"
                    }
                }
            case ("n", .number(let v)) where v == v.rounded() && (1...Double(SimilarSamples.maximumN)).contains(v):
                n = Int(v)
            case ("n", _): problems["n"] = "must be a whole number from 1 to \(SimilarSamples.maximumN)"
            case ("model", .string(let name)): modelName = name
            case ("model_id", .number(let id)) where id == id.rounded() && id > 0 && id < 1e15: modelID = Int64(id)
            case ("features", _): problems["features"] = "must be an object of feature values"
            case ("model", _), ("model_id", _): problems[key] = "must be a model name, or a model id"
            default: problems[key] = "unknown field; expected features, n, and optionally model or model_id"
            }
        }
        if !members.contains(where: { $0.0 == "features" }) { problems["features"] = "missing" }
        if !problems.isEmpty { throw APIError(422, "invalid_request", APIError.describe(problems), details: problems) }
        let loaded = try services.selectModel(name: modelName, id: modelID, context)
        guard let samples = loaded.samples else {
            throw APIError.notFound(
                "\(loaded.name) version \(loaded.version) keeps no samples: add similar: {match, nearest} to its spec")
        }
        let found: [(row: Int, distance: Double)]
        do {
            found = try samples.nearest(to: features, n: n)
        } catch let error as LearningError {
            let details = Dictionary(uniqueKeysWithValues: error.details.map { ("features.\($0.key)", $0.value) })
            throw APIError(422, "invalid_features", APIError.describe(details), details: details)
        }
        var json = JSONWriter(capacity: 256 + 160 * found.count)
        json.beginAnswer(context, from: loaded)
        json.key("rows")
        json.beginArray()
        for (row, distance) in found {
            json.beginObject()
            for (c, key) in loaded.sampleKeys.enumerated() {
                json.key(key)
                switch samples.values[c][row] {
                case .number(let v): json.value(v)
                case .text(let s): json.value(s)
                case .null: json.null()
                }
            }
            json.key(Keys.distance)
            json.value(distance)
            json.endObject()
        }
        json.endArray()
        if found.isEmpty {
            json.key("note")
            json.value("no training row has these \(samples.spec.match.joined(separator: ", ")) values")
        }
        json.endObject()
        return .json(json, modelID: loaded.id)
    }

    private enum Keys {
        static let distance = JSONWriter.Key("distance")
    }
}
