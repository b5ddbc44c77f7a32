import Foundation

/// What operators and orchestrators poll: liveness, readiness, Prometheus metrics.
enum OperationsRoutes: RouteGroup {
    static func register(on router: inout RouterBuilder) {
        router.get(
            "/health", runs: .onLoop,
            RouteDescription(summary: "Liveness: the process answers", responses: [200: "ok"]), handler: health)
        router.get(
            "/ready",
            RouteDescription(
                summary: "Readiness: database reachable and a production model loaded",
                responses: [200: "ready", 503: "not ready, with reasons"]),
            handler: ready)
        router.get(
            "/metrics", runs: .onLoop,
            RouteDescription(summary: "Prometheus metrics", responses: [200: "text/plain exposition"]),
            handler: metrics)
    }

    static func health(_ services: Services, _ context: RouteContext) -> Reply {
        var json = JSONWriter()
        json.beginObject()
        json.key("status")
        json.value("ok")
        json.key("uptime_seconds")
        json.value(Date().timeIntervalSince(services.started))
        json.endObject()
        return .json(json)
    }

    static func ready(_ services: Services, _ context: RouteContext) -> Reply {
        var problems: [String] = []
        let reachable = services.log.store.isReachable
        if !reachable {
            services.configuration.onError("readiness: database unreachable")
            problems.append("database unreachable")
        }
        let models = services.store.all
        if models.isEmpty { problems.append("no production model loaded") }
        var json = JSONWriter()
        json.beginObject()
        json.key("ready")
        json.value(problems.isEmpty)
        json.key("database")
        json.value(reachable ? "ok" : "unreachable")
        json.key("models")
        json.beginArray()
        for model in models {
            json.beginObject()
            json.identity(of: model)
            json.endObject()
        }
        json.endArray()
        json.key("request_log_waiting")
        json.value(services.log.rowsWaiting)
        if !problems.isEmpty {
            json.key("problems")
            json.beginArray()
            for problem in problems { json.value(problem) }
            json.endArray()
        }
        json.endObject()
        return .json(json, status: problems.isEmpty ? 200 : 503)
    }

    static func metrics(_ services: Services, _ context: RouteContext) -> Reply {
        let log = services.log
        var gauges: [(name: String, help: String, labels: [String: String], value: Double)] = [
            (
                "modelserve_request_log_queue_depth", "Request log entries waiting in memory.", [:],
                Double(log.queueDepth)
            ),
            (
                "modelserve_request_log_rows_written", "Request log rows written by this process.", [:],
                Double(log.rowsWritten)
            ),
            (
                "modelserve_request_log_rows_waiting", "Request log rows not yet in the database (memory and journal).",
                [:], Double(log.rowsWaiting)
            ),
            (
                "modelserve_request_log_database_up", "1 if the request log writer reaches the database.", [:],
                log.isDatabaseDown ? 0 : 1
            ),
            (
                "modelserve_request_log_rows_overflowed",
                "Request log entries that found the queue full while the writer was held up, and went to the journal's overflow files instead of holding up the answer.",
                [:], Double(log.rowsOverflowed)
            ),
        ]
        for model in services.store.all {
            gauges.append(
                (
                    "modelserve_production_model", "The production model of each name (value: model id).",
                    ["name": model.name, "version": String(model.version)], Double(model.id)
                ))
        }
        gauges.append(
            (
                "modelserve_shadow_jobs_dropped", "Shadow scorings dropped because their queue was full.", [:],
                Double(services.shadows.dropped.load(ordering: .relaxed))
            ))
        gauges += services.live.gauges(services)
        for route in context.routes {
            gauges.append(
                (
                    "modelserve_route_queue_depth", "Requests of a route queued or running off the event loops.",
                    ["route": route.lane.name], Double(route.lane.depth)
                ))
        }
        return Reply(
            contentType: "text/plain; version=0.0.4; charset=utf-8",
            body: Array(services.metrics.exposition(gauges: gauges).utf8))
    }
}
