import Foundation
import Registry

/// Online training runs: `GET /runs`, `GET /runs/{id}` (JSON, or the convergence page for a
/// browser) and `GET /runs/{id}/checkpoints` (the batches after one, for charts that follow
/// a live run).
enum RunsRoutes: RouteGroup {
    static let maximumCheckpoints = 10_000

    static func register(on router: inout RouterBuilder) {
        router.get(
            "/runs",
            RouteDescription(
                summary: "Online training runs, newest first",
                parameters: [
                    .query("limit", .integer(minimum: 1, maximum: 1000), "How many (default 100)", example: 10)
                ],
                responses: [200: "An array of runs: spec, source, status, next page, rows, batches, times"]),
            handler: list)
        router.get(
            "/runs/{id}",
            RouteDescription(
                summary:
                    "One run: its models' terms and progressive metrics at the last batch, and the collider notes; "
                    + "a browser (Accept: text/html) gets the convergence charts",
                parameters: [.path("id", .integer(minimum: 1), "The run's id", example: 1)],
                responses: [200: "The run, its last checkpoint and collider_notes", 404: "No such run"]),
            handler: show)
        router.get(
            "/runs/{id}/checkpoints",
            RouteDescription(
                summary: "A run's checkpoints after a batch, in order: per model, terms by feature and metrics",
                parameters: [
                    .path("id", .integer(minimum: 1), "The run's id", example: 1),
                    .query("after", .integer(minimum: 0), "Only batches after this one (default 0)", example: 0),
                    .query(
                        "limit", .integer(minimum: 1, maximum: maximumCheckpoints),
                        "How many (default \(maximumCheckpoints))", example: 100),
                ],
                responses: [200: "An array of checkpoints", 404: "No such run"]),
            handler: checkpoints)
    }

    static func runs(_ services: Services) -> TrainingRuns { TrainingRuns(registry: services.registry) }

    static func list(_ services: Services, _ context: RouteContext) throws -> Reply {
        let limit = try integer("limit", context, default: 100, range: 1...1000)
        return Reply(body: Array(try ModelDocuments.json(try runs(services).list(limit: limit)).utf8))
    }

    static func show(_ services: Services, _ context: RouteContext) throws -> Reply {
        let detail = try runs(services).detail(id: try context.id("id", of: "run"))
        let json = try ModelDocuments.json(detail)
        let accept = context.request.header("Accept") ?? ""
        if accept.contains("text/html") {
            return .html(RunPage.html(detail, json: json))
        }
        return Reply(body: Array(json.utf8))
    }

    static func checkpoints(_ services: Services, _ context: RouteContext) throws -> Reply {
        let id = try context.id("id", of: "run")
        let after = try integer("after", context, default: 0, range: 0...Int(Int32.max))
        let limit = try integer("limit", context, default: maximumCheckpoints, range: 1...maximumCheckpoints)
        let runs = runs(services)
        _ = try runs.run(id: id)
        return Reply(
            body: Array(try ModelDocuments.json(try runs.checkpoints(of: id, after: after, limit: limit)).utf8))
    }

    static func integer(_ name: String, _ context: RouteContext, default fallback: Int, range: ClosedRange<Int>) throws
        -> Int
    {
        guard let text = context.request.queryItems[name] else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw APIError(
                400, "invalid_\(name)",
                "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text.prefix(40))'"
            )
        }
        return value
    }
}
