import Foundation
import Learning
import Registry

/// Profiles of query results: made on request (admin: it runs SQL) and read back, as JSON or,
/// in a browser, as the profile page. The query itself is shown to admins only.
enum ProfileRoutes: RouteGroup {
    static func register(on router: inout RouterBuilder) {
        router.post(
            "/profiles", admin: true, queueLimit: 2,
            RouteDescription(
                summary:
                    "Profile a query's rows: per-column figures, duplicates, correlations, suspicious values (admin)",
                body: .init(
                    schema: .object([
                        .required("query", .described("One read-only SELECT", .string)),
                        .optional("target", .described("A column to relate the others to", .string)),
                    ]),
                    example: ["query": "SELECT * FROM diamonds", "target": "price"]),
                responses: [
                    201: "id and the profile", 401: "No token", 403: "Wrong token",
                    422: "Not one read-only query, an unknown target, or no rows",
                ]),
            handler: create)
        router.get(
            "/profiles/{id}",
            RouteDescription(
                summary: "A stored profile (a browser, Accept: text/html, gets the page with charts)",
                parameters: [.path("id", .integer(minimum: 1), "The profile's id", example: 1)],
                responses: [200: "The profile", 404: "No such profile"]),
            handler: show)
    }

    static func create(_ services: Services, _ context: RouteContext) throws -> Reply {
        let body = try context.json()
        guard case .string(let query)? = body["query"] else {
            throw APIError(422, "invalid_request", "send {\"query\": \"SELECT ...\"} (and optionally \"target\")")
        }
        var target: String?
        switch body["target"] {
        case .string(let name)?: target = name
        case nil, .null?: target = nil
        default: throw APIError(422, "invalid_request", "target must be a column name")
        }
        let configuration = services.configuration
        let profile = try QueryProfiler.profile(
            configuration.trainingDatabase ?? services.registry.database, query: query, target: target,
            timeout: configuration.trainingTimeout)
        let id = try DataProfiles(services.registry.database).save(
            .init(query: query, target: profile.target, profile: profile))
        return .json(try document(id: id, query: query, profile: profile), status: 201)
    }

    static func show(_ services: Services, _ context: RouteContext) throws -> Reply {
        let id = try context.id("id", of: "profile")
        let stored = try DataProfiles(services.registry.database).profile(id: id)
        let query = context.isAdmin ? stored.query : nil
        if (context.request.header("Accept") ?? "").contains("text/html") {
            return .html(
                ProfilePage.html(
                    profile: try ModelDocuments.json(stored.profile), title: "Profile \(id)", query: query))
        }
        return .json(try document(id: id, query: query, profile: stored.profile))
    }

    static func document(id: Int64, query: String?, profile: DataProfile) throws -> JSONWriter {
        var json = JSONWriter()
        json.beginObject()
        json.key("id")
        json.value(Int(id))
        if let query {
            json.key("query")
            json.value(query)
        }
        json.key("profile")
        json.raw(try ModelDocuments.json(profile))
        json.endObject()
        return json
    }
}
