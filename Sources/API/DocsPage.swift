/// `GET /docs`: the routes as a page for people, each with a curl line that runs as it is
/// against the demo (path parameters, queries and bodies filled from the examples).
enum DocsPage {
    /// `host` (from the request's Host header) makes the curl lines copy-pasteable.
    static func html(routes: [RouteDescription.Entry], host: String) -> String {
        var rows = ""
        for route in routes {
            let description = route.description
            let responses = description.responses.keys.sorted().map { "\($0) \(escape(description.responses[$0]!))" }
            rows += """
                <tr><td><code>\(route.method)</code></td><td><code>\(escape(route.path))</code></td>\
                <td>\(escape(description.summary))\(route.admin ? " <span class=admin>admin</span>" : "")<br>\
                <small>\(responses.joined(separator: " · "))</small>\
                \(example(route, host: host))</td></tr>

                """
        }
        return """
            <!doctype html><html lang=en><head><meta charset=utf-8><title>modelserve API</title>
            <style>body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;color:#222}
            table{border-collapse:collapse;width:100%;table-layout:fixed}td{border-top:1px solid #ddd;padding:.5rem;vertical-align:top}
            td:nth-child(1){width:3.5rem}td:nth-child(2){width:10.5rem}
            code{font-size:14px}pre{background:#f6f6f6;padding:.4rem;white-space:pre-wrap;overflow-wrap:anywhere;margin:.3rem 0 0}
            .admin{background:#fde68a;border-radius:3px;padding:0 .3rem;font-size:12px}small{color:#666}</style></head>
            <body><h1>modelserve API</h1>
            <p>JSON in and out. Errors are <code>{"error": {"code", "message", "details"}}</code>. Admin routes need
            <code>Authorization: Bearer &lt;MODELSERVE_ADMIN_TOKEN&gt;</code> (401 without, 403 wrong). Every response carries
            <code>X-Request-Id</code>, the key of its row in <code>request_log</code>. The examples run against the demo's
            database (<code>scripts/demo.sh</code>). Machine-readable: <a href="/openapi.json">/openapi.json</a>.
            Dashboard: <a href="/">/</a>.</p>
            <table>\(rows)</table></body></html>
            """
    }

    /// The curl line, marked with the status it gets on the demo when that is not a success.
    static func example(_ route: RouteDescription.Entry, host: String) -> String {
        let line = escape(curl(route, host: host))
        guard let outcome = route.description.exampleOutcome else { return "<pre>\(line)</pre>" }
        return "<pre data-status=\"\(outcome.status)\">\(line)</pre><small>answers \(outcome.status) as written: "
            + "\(escape(outcome.change))</small>"
    }

    /// The route's example as a shell command.
    static func curl(_ route: RouteDescription.Entry, host: String) -> String {
        let url = "http://" + (host.isEmpty ? "127.0.0.1:8080" : host) + route.examplePath
        var parts = ["curl -s"]
        if route.method != "GET" { parts.append("-X \(route.method)") }
        if route.needsToken { parts.append("-H \"Authorization: Bearer $MODELSERVE_ADMIN_TOKEN\"") }
        if let body = route.description.body {
            parts.append("-H 'Content-Type: application/json'")
            parts.append("-d " + shellQuoted(body.example.encoded))
        }
        parts.append(shellQuoted(url))
        return parts.joined(separator: " ")
    }

    /// Single quotes, with any single quote inside closed, escaped and reopened.
    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }

    /// JSON to embed in a `<script type="application/json">` element: only "</" could end
    /// the element early, and "<\/" reads as the same JSON.
    static func scriptJSON(_ json: String) -> String {
        json.replacingOccurrences(of: "</", with: "<\\/")
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
