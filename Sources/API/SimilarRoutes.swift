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
        // The common body skips the JSON tree; anything else is read (and refused) in full.
        let query = try SimilarQuery.scan(context.request.body) ?? SimilarQuery(json: context.json())
        let loaded = try services.selectModel(name: query.modelName, id: query.modelID, context)
        guard let samples = loaded.samples else {
            throw APIError.notFound(
                "\(loaded.name) version \(loaded.version) keeps no samples: add similar: {match, nearest} to its spec")
        }
        let found: [(row: Int, distance: Double)]
        do {
            found = try samples.nearest(to: query.features, n: query.n)
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
