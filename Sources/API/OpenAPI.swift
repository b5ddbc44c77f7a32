import Foundation
import Learning

/// The OpenAPI 3.1 document, built from the route table.
enum OpenAPI {
    static let predictRequest = """
        {"type":"object","properties":{"features":{"type":"object","additionalProperties":{"type":["number","string","boolean","null"]}},\
        "instances":{"type":"array","items":{"type":"object"}},"model":{"type":"string"},"model_id":{"type":"integer"}},\
        "example":{"features":{"apr":14.5,"requested":12000,"annual_income":62000,"loan_purpose":"car","credit":"good","lender_id":3}}}
        """
    static let similarRequest = """
        {"type":"object","required":["features"],"properties":{"features":{"type":"object"},"n":{"type":"integer","minimum":1,"maximum":100},\
        "model":{"type":"string"},"model_id":{"type":"integer"}},\
        "example":{"model":"diamonds","n":5,"features":{"carat":0.7,"cut":"Ideal","color":"G","clarity":"VS1"}}}
        """
    static let assignRequest = """
        {"type":"object","properties":{"model_id":{"type":"integer"},"name":{"type":"string"},"version":{"type":"integer"}},"example":{"model_id":2}}
        """
    static let rollbackRequest = """
        {"type":"object","required":["name"],"properties":{"name":{"type":"string"}},"example":{"name":"click"}}
        """
    /// The kinds come from the kind table, so a registered kind shows up here too.
    static var trainRequest: String {
        let kinds = ModelKind.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ",")
        return """
            {"type":"object","description":"A training spec, as in pipelines/*.yaml (one kind, or several under models), plus optional promote (bool) or promote_if_better (metric).",\
            "required":["name","query","target"],"properties":{"name":{"type":"string"},"kind":{"enum":[\(kinds)]},\
            "models":{"type":"array","items":{"type":"object","properties":{"kind":{"enum":[\(kinds)]}}}},\
            "query":{"type":"string"},"target":{"type":"string"},"features":{"type":"object"},"split":{"type":"object"},\
            "cv":{"type":"object"},"hyperparameters":{"type":"array"},"grid":{"type":"object"},"search":{"type":"object"},\
            "promote":{"type":"boolean"},"promote_if_better":{"type":"string"}}}
            """
    }
    static let errorSchema = """
        {"type":"object","properties":{"error":{"type":"object","properties":{"code":{"type":"string"},"message":{"type":"string"},\
        "details":{"type":"object","additionalProperties":{"type":"string"}}}}}}
        """

    static func document(for routes: [Route]) -> String {
        var paths: [String: [Route]] = [:]
        for route in routes { paths[route.path, default: []].append(route) }
        var json = JSONWriter(capacity: 8192)
        json.beginObject()
        json.key("openapi")
        json.value("3.1.0")
        json.key("info")
        json.beginObject()
        json.key("title")
        json.value("modelserve")
        json.key("version")
        json.value("0.1.0")
        json.key("description")
        json.value(
            "Versioned models (\(ModelKind.allCases.map(\.rawValue).joined(separator: ", "))) trained from SQL, served over HTTP. /predict needs every feature: an absent one is a 422, a null one is handled by the model's missing-value policy and listed in \"imputed\". Errors are {\"error\": {\"code\", \"message\", \"details\"}}."
        )
        json.endObject()
        json.key("components")
        json.beginObject()
        json.key("securitySchemes")
        json.raw("{\"admin\":{\"type\":\"http\",\"scheme\":\"bearer\",\"description\":\"MODELSERVE_ADMIN_TOKEN\"}}")
        json.key("schemas")
        json.beginObject()
        json.key("Error")
        json.raw(errorSchema)
        json.endObject()
        json.endObject()
        json.key("paths")
        json.beginObject()
        for path in paths.keys.sorted() {
            json.key(path)
            json.beginObject()
            for route in paths[path]! {
                json.key(route.method.lowercased())
                json.beginObject()
                json.key("summary")
                json.value(route.summary)
                json.key("operationId")
                json.value(
                    route.method.lowercased()
                        + route.pattern.map {
                            $0.replacingOccurrences(of: "{", with: "by_").replacingOccurrences(of: "}", with: "")
                                .replacingOccurrences(of: ".", with: "_")
                        }.joined(separator: "_"))
                if route.admin {
                    json.key("security")
                    json.raw("[{\"admin\":[]}]")
                }
                let parameters = route.pattern.filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) }
                if !parameters.isEmpty {
                    json.key("parameters")
                    json.beginArray()
                    for name in parameters {
                        json.raw(
                            "{\"name\":\"\(name)\",\"in\":\"path\",\"required\":true,\"schema\":{\"type\":\"integer\"}}"
                        )
                    }
                    json.endArray()
                }
                if let schema = route.requestSchema {
                    json.key("requestBody")
                    json.raw("{\"required\":true,\"content\":{\"application/json\":{\"schema\":\(schema)}}}")
                }
                json.key("responses")
                json.beginObject()
                for status in route.responses.keys.sorted() {
                    json.key(String(status))
                    json.beginObject()
                    json.key("description")
                    json.value(route.responses[status]!)
                    if status >= 400 {
                        json.key("content")
                        json.raw("{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Error\"}}}")
                    }
                    json.endObject()
                }
                json.endObject()
                json.endObject()
            }
            json.endObject()
        }
        json.endObject()
        json.endObject()
        return String(decoding: json.bytes, as: UTF8.self)
    }
}

/// `GET /docs`: the route table as a page for people, with curl examples.
enum DocsPage {
    /// `host` (from the request's Host header) makes the curl examples copy-pasteable.
    static func html(routes: [Route], host: String) -> String {
        let base = "http://" + (host.isEmpty ? "127.0.0.1:8080" : host)
        var rows = ""
        for route in routes {
            let example = route.requestSchema.flatMap { schema -> String? in
                guard let range = schema.range(of: "\"example\":") else { return nil }
                let tail = schema[range.upperBound...]
                var depth = 0
                var end = tail.startIndex
                for (i, c) in zip(tail.indices, tail) {
                    if c == "{" { depth += 1 }
                    if c == "}" {
                        depth -= 1
                        if depth == 0 {
                            end = tail.index(after: i)
                            break
                        }
                    }
                }
                return String(tail[..<end])
            }
            let auth = route.admin ? " -H 'Authorization: Bearer $MODELSERVE_ADMIN_TOKEN'" : ""
            let curl =
                route.method == "GET"
                ? "curl -s$(auth) \(base)\(route.path)"
                : "curl -s -X \(route.method)\(auth) -H 'Content-Type: application/json' -d '\(example ?? "{}")' \(base)\(route.path)"
            rows += """
                <tr><td><code>\(route.method)</code></td><td><code>\(escape(route.path))</code></td>\
                <td>\(escape(route.summary))\(route.admin ? " <span class=admin>admin</span>" : "")<br>\
                <small>\(route.responses.keys.sorted().map { "\($0) \(escape(route.responses[$0]!))" }.joined(separator: " · "))</small>\
                <pre>\(escape(curl.replacingOccurrences(of: "$(auth)", with: auth)))</pre></td></tr>

                """
        }
        return """
            <!doctype html><html lang=en><head><meta charset=utf-8><title>modelserve API</title>
            <style>body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;color:#222}
            table{border-collapse:collapse;width:100%}td{border-top:1px solid #ddd;padding:.5rem;vertical-align:top}
            code{font-size:14px}pre{background:#f6f6f6;padding:.4rem;white-space:pre-wrap;margin:.3rem 0 0}
            .admin{background:#fde68a;border-radius:3px;padding:0 .3rem;font-size:12px}small{color:#666}</style></head>
            <body><h1>modelserve API</h1>
            <p>JSON in and out. Errors are <code>{"error": {"code", "message", "details"}}</code>. Admin routes need
            <code>Authorization: Bearer &lt;MODELSERVE_ADMIN_TOKEN&gt;</code> (401 without, 403 wrong). Every response carries
            <code>X-Request-Id</code>, the key of its row in <code>request_log</code>. Machine-readable:
            <a href="/openapi.json">/openapi.json</a>. Dashboard: <a href="/">/</a>.</p>
            <table>\(rows)</table></body></html>
            """
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
