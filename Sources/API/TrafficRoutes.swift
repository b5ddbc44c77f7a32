import Foundation
import Registry

/// Canary and shadow traffic: `POST /models/traffic` shares a name's requests among its
/// versions by weight and names shadow versions that score the same rows unseen;
/// `GET /models/traffic` lists the splits. Assigning production clears a name's split.
enum TrafficRoutes: RouteGroup {
    static func register(on router: inout RouterBuilder) {
        router.post(
            "/models/traffic", admin: true,
            RouteDescription(
                summary: "Route a name's requests by weight among versions, with shadow versions (admin)",
                body: .init(
                    schema: .object([
                        .required("name", .string),
                        .required("split", .object([], additionalProperties: .types(["number"]))),
                        .optional("shadow", .array(.integer(minimum: 1))),
                    ]),
                    example: ["name": "click", "split": ["1": 0.9, "2": 0.1], "shadow": []]),
                responses: [
                    200: "The split, followed by every serve process", 401: "No token", 403: "Wrong token",
                    404: "No such version", 422: "Weights that do not sum to 1, or a version of another name",
                ]),
            handler: set)
        router.get(
            "/models/traffic", admin: true,
            RouteDescription(summary: "Every name's split (admin)", responses: [200: "An array of splits"]),
            handler: list)
    }

    static func set(_ services: Services, _ context: RouteContext) throws -> Reply {
        let body = try context.json()
        guard case .string(let name)? = body["name"] else {
            throw APIError(422, "invalid_request", "name must be the model name the split is for")
        }
        guard case .object(let entries)? = body["split"] else {
            throw APIError(
                422, "invalid_request",
                "split must be an object of version id -> weight, e.g. {\"12\": 0.9, \"13\": 0.1}")
        }
        var weights: [Int64: Double] = [:]
        for (key, value) in entries {
            guard let id = Int64(key), id > 0, case .number(let weight) = value else {
                throw APIError(
                    422, "invalid_request", "split: '\(key.prefix(20))' must be a version id with a number weight")
            }
            weights[id] = weight
        }
        var shadow: [Int64] = []
        if let list = body["shadow"] {
            guard case .array(let ids) = list else {
                throw APIError(422, "invalid_request", "shadow must be an array of version ids")
            }
            for id in ids {
                guard case .number(let n) = id, n == n.rounded(), n > 0, n < 1e15 else {
                    throw APIError(422, "invalid_request", "shadow must be an array of version ids")
                }
                shadow.append(Int64(n))
            }
        }
        let split = try services.registry.setTraffic(
            name: name, weights: weights, shadow: shadow, by: "api:\(context.request.remoteAddress)")
        try services.store.refresh()
        return Reply(body: Array(try ModelDocuments.json(split).utf8))
    }

    static func list(_ services: Services, _ context: RouteContext) throws -> Reply {
        Reply(body: Array(try ModelDocuments.json(try services.registry.traffic()).utf8))
    }
}
