import Foundation
import Registry

/// `GET /`: production models, the last hour's requests of every version in service, the
/// registry's history with key metrics, streaming runs.
enum DashboardRoutes: RouteGroup {
    static func register(on router: inout RouterBuilder) {
        router.get(
            "/", RouteDescription(summary: "Dashboard: production models, history, metrics", responses: [200: "HTML"]),
            handler: dashboard)
    }

    static func dashboard(_ services: Services, _ context: RouteContext) throws -> Reply {
        let records = try services.registry.list()
        let productions = services.store.all
        let log = services.log
        func metric(_ record: ModelRecord, _ key: String) -> String {
            record.metrics.heldOut[key].map { String(format: "%.4g", $0) } ?? "–"
        }
        var production = ""
        for model in productions {
            let record = records.first { $0.id == model.id }
            let key = model.model.settings.task.headlineMetric
            production += """
                <div class=card><h3>\(DocsPage.escape(model.name))</h3><p>version \(model.version) · id \(model.id) · \
                \(model.model.kind.rawValue)</p><p class=big>\(record.map { metric($0, key) } ?? "–") <small>\(key)</small></p>\
                <p><small>assigned \(Self.day(model.assignedAt))</small></p></div>
                """
        }
        if production.isEmpty {
            production = "<p>No model in production yet: <code>modelserve models assign ID</code>.</p>"
        }
        var history = ""
        for record in records {
            let keys = record.task.keyMetrics
            let bars = keys.map { "\($0) \(metric(record, $0))" }.joined(separator: " · ")
            history += """
                <tr\(record.isProduction ? " class=prod" : "")><td><a href="/models/\(record.id)/monitoring">\(record.id)</a></td><td>\(DocsPage.escape(record.name))</td>\
                <td>\(record.version)</td><td>\(record.kind.rawValue)</td><td><small>\(DocsPage.escape(Self.hyperparameters(record)))</small></td>\
                <td>\(bars)</td><td>\(record.rowCount.map(String.init) ?? "–")</td><td>\(Self.day(record.createdAt))</td></tr>

                """
        }
        var runs = ""
        for run in try TrainingRuns(registry: services.registry).list(limit: 20) {
            runs += """
                <tr><td><a href="/runs/\(run.id)">\(run.id)</a></td><td><a href="/runs/\(run.id)">\(DocsPage.escape(run.name))</a></td>\
                <td>\(run.status.rawValue)</td><td>\(run.batches)</td><td>\(run.rowsSeen)</td><td>\(Self.day(run.updatedAt))</td></tr>

                """
        }
        let online =
            runs.isEmpty
            ? ""
            : """
            <h2>Online runs</h2><table><tr><th>id</th><th>spec</th><th>status</th><th>batches</th><th>rows</th><th>updated</th></tr>\
            \(runs)</table>
            """
        // Each name's headline metric across its versions, for the history charts.
        var series: [HistorySeries] = []
        let splits = services.store.traffic
        func role(_ record: ModelRecord) -> String? {
            if record.isProduction { return "production" }
            guard let split = splits.first(where: { $0.name == record.name }) else { return nil }
            if split.weights[record.id] != nil { return "canary" }
            return split.shadow.contains(record.id) ? "shadow" : nil
        }
        for name in Set(records.map(\.name)).sorted() {
            let versions = records.filter { $0.name == name }.sorted { $0.version < $1.version }
            let metric = versions.last?.task.headlineMetric ?? ""
            series.append(
                HistorySeries(
                    name: name, metric: metric,
                    points: versions.compactMap { record in
                        record.metrics.heldOut[metric].map {
                            HistorySeries.Point(
                                version: record.version, id: record.id, value: $0, role: role(record))
                        }
                    }))
        }
        let historyJSON = DocsPage.scriptJSON(try ModelDocuments.json(series))
        // The last hour's requests of every version in service, from request_minutes (a row a
        // minute per version, read by key).
        var served: [ServedTraffic] = []
        let hourAgo = Date().addingTimeInterval(-3600)
        for record in records {
            guard let role = role(record) else { continue }
            served.append(
                ServedTraffic(
                    name: "\(record.name) v\(record.version) (\(role))",
                    activity: try RequestActivity(
                        database: services.registry.database, modelID: record.id, since: hourAgo)))
        }
        let trafficJSON = DocsPage.scriptJSON(try ModelDocuments.json(served))
        let html = """
            <!doctype html><html lang=en><head><meta charset=utf-8><title>modelserve</title>
            <meta http-equiv=refresh content=10>
            <style>body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;color:#222}
            .cards{display:flex;gap:1rem;flex-wrap:wrap}.card{border:1px solid #ddd;border-radius:8px;padding:.6rem 1rem;min-width:13rem}
            .card h3{margin:.2rem 0}.big{font-size:2rem;margin:.2rem 0}table{border-collapse:collapse;width:100%}
            td,th{border-top:1px solid #eee;padding:.35rem;text-align:left}tr.prod{background:#ecfdf5}small{color:#666}svg text{font:11px system-ui,sans-serif;fill:#444}</style></head>
            <body><h1>modelserve</h1>
            <p><a href="/docs">API docs</a> · <a href="/openapi.json">OpenAPI</a> · <a href="/metrics">metrics</a> ·
            <a href="/ready">readiness</a> · \(log.rowsWritten) requests logged by this process · \(log.rowsWaiting) waiting</p>
            <h2>In production</h2><div class=cards>\(production)</div>
            \(online)
            <h2>Requests, last hour</h2><div id=traffic class=cards></div>
            <h2>Metric history</h2><div id=history class=cards></div>
            <h2>History</h2><table><tr><th>id</th><th>name</th><th>version</th><th>kind</th><th>hyperparameters</th>
            <th>held-out metrics</th><th>rows</th><th>created</th></tr>\(history)</table>
            <script id=history-data type="application/json">\(historyJSON)</script>
            <script id=traffic-data type="application/json">\(trafficJSON)</script>
            <script>\(ChartScript.library)</script>
            <script>\(historyScript)</script>
            </body></html>
            """
        return .html(html)
    }

    static func hyperparameters(_ record: ModelRecord) -> String { record.hyperparameters.summary }

    /// One model name's headline metric by version.
    struct HistorySeries: Encodable {
        struct Point: Encodable {
            var version: Int
            var id: Int64
            var value: Double
            /// production, canary, shadow, or nil.
            var role: String?
        }
        var name: String
        var metric: String
        var points: [Point]
    }

    /// A version in service and its requests of the last hour.
    struct ServedTraffic: Encodable {
        var name: String
        var activity: RequestActivity
    }

    /// Draws a chart per name (production's version as the larger dot) into #history.
    static let historyScript = #"""
        const history = JSON.parse(document.getElementById('history-data').textContent);
        document.getElementById('history').innerHTML = history.filter(h => h.points.length).map(h => chart([
          { name: h.metric + ' by version', dots: 3, points: h.points.map(p => [p.version, p.value]) },
          ...[['production', '#059669'], ['canary', '#d97706'], ['shadow', '#7c3aed']]
            .filter(([role]) => role === 'production' || h.points.some(p => p.role === role))
            .map(([role, color]) => ({ name: role, color, dots: 6, points: h.points.filter(p => p.role === role).map(p => [p.version, p.value]) })),
        ], h.name, h.metric, 'version')).join('');
        const served = JSON.parse(document.getElementById('traffic-data').textContent);
        const t = traffic(served);
        document.getElementById('traffic').innerHTML = served.length ? t.rate + t.latency : '<p>No version in service yet.</p>';
        document.body.dataset.loaded = 'yes';
        """#

    static func day(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date) + " UTC"
    }
}
