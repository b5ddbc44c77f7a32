import Foundation
import Registry

/// Reading the registry: the production model, the history, one version.
enum RegistryRoutes: RouteGroup {
    static func register(on router: inout RouterBuilder) {
        router.get(
            "/models/current",
            RouteDescription(
                summary: "The production model (?name= for one name)",
                parameters: [
                    .query(
                        "name", .string, "The model's name (needed when several are in production)", example: "click")
                ],
                responses: [
                    200: "id, name, version, kind, hyperparameters, metrics, feature_schema, assigned_at",
                    404: "No production model for that name",
                ]),
            handler: current)
        router.get(
            "/models",
            RouteDescription(
                summary: "Registry history with metrics (?name= to filter)",
                parameters: [.query("name", .string, "Only this name's versions", example: "click")],
                responses: [200: "An array of model versions"]),
            handler: list)
        router.get(
            "/models/{id}",
            RouteDescription(
                summary:
                    "One version: metrics, coefficients by feature, inference (a browser, Accept: text/html, gets its model card)",
                parameters: [.path("id", .integer(minimum: 1), "The version's id", example: 1)],
                responses: [200: "The version", 404: "No such id"]),
            handler: show)
    }

    static func current(_ services: Services, _ context: RouteContext) throws -> Reply {
        let loaded: LoadedModel
        if let name = context.request.queryItems["name"] {
            guard let found = services.store.production(name: name) else {
                throw APIError.notFound("no production model named \(name)")
            }
            loaded = found
        } else {
            loaded = try services.selectModel(name: nil, id: nil, context)
        }
        let record = try services.registry.record(id: loaded.id)
        let summary = ModelDocuments.Summary(record, assignedAt: loaded.assignedAt, withSchema: true)
        return Reply(body: Array(try ModelDocuments.json(summary).utf8), modelID: loaded.id)
    }

    static func list(_ services: Services, _ context: RouteContext) throws -> Reply {
        let records = try services.registry.list(name: context.request.queryItems["name"])
        return Reply(body: Array(try ModelDocuments.json(records.map { ModelDocuments.Summary($0) }).utf8))
    }

    static func show(_ services: Services, _ context: RouteContext) throws -> Reply {
        let id = try context.id("id", of: "model")
        if (context.request.header("Accept") ?? "").contains("text/html") {
            let card = try ModelCard(registry: services.registry, id: id, withQuery: context.isAdmin)
            let title = "\(card.record.name) version \(card.record.version)"
            return Reply(
                contentType: "text/html; charset=utf-8",
                body: Array(ModelCardPage.html(card: try ModelDocuments.json(card), title: title).utf8), modelID: id)
        }
        let detail = try ModelDocuments.Detail(try services.registry.record(id: id), withQuery: context.isAdmin)
        return Reply(body: Array(try ModelDocuments.json(detail).utf8), modelID: id)
    }
}
