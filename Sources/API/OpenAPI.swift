import Foundation
import Learning

/// The OpenAPI 3.1 document, written from the routes' typed descriptions.
enum OpenAPI {
    static let errorSchema = Schema.object([
        .required(
            "error",
            .object([
                .required("code", .string), .required("message", .string),
                .optional("details", .described("Per-field problems", .object([], additionalProperties: .string))),
            ]))
    ])

    static func document(for routes: [RouteDescription.Entry]) -> String {
        var paths: [String: [RouteDescription.Entry]] = [:]
        var order: [String] = []
        for route in routes {
            if paths[route.path] == nil { order.append(route.path) }
            paths[route.path, default: []].append(route)
        }
        var json = JSONWriter(capacity: 16_384)
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
            "Versioned models (\(ModelKind.allCases.map(\.rawValue).joined(separator: ", "))) trained from SQL, served over HTTP. /predict needs every feature: an absent one is a 422, a null one is handled by the model's missing-value policy and listed in \"imputed\". Errors are {\"error\": {\"code\", \"message\", \"details\"}}. The examples run against the demo's database (scripts/demo.sh)."
        )
        json.endObject()
        json.key("components")
        json.beginObject()
        json.key("securitySchemes")
        json.value(["admin": ["type": "http", "scheme": "bearer", "description": "MODELSERVE_ADMIN_TOKEN"]])
        json.key("schemas")
        json.beginObject()
        json.key("Error")
        errorSchema.write(into: &json)
        json.endObject()
        json.endObject()
        json.key("paths")
        json.beginObject()
        for path in order {
            json.key(path)
            json.beginObject()
            for route in paths[path]! { operation(route, into: &json) }
            json.endObject()
        }
        json.endObject()
        json.endObject()
        return String(decoding: json.bytes, as: UTF8.self)
    }

    private static func operation(_ route: RouteDescription.Entry, into json: inout JSONWriter) {
        let description = route.description
        json.key(route.method.lowercased())
        json.beginObject()
        json.key("summary")
        json.value(description.summary)
        json.key("operationId")
        json.value(route.operationID)
        if route.needsToken {
            json.key("security")
            json.value([["admin": []]])
        }
        if !description.parameters.isEmpty {
            json.key("parameters")
            json.beginArray()
            for parameter in description.parameters {
                json.beginObject()
                json.key("name")
                json.value(parameter.name)
                json.key("in")
                json.value(parameter.location.rawValue)
                json.key("required")
                json.value(parameter.location == .path)
                json.key("description")
                json.value(parameter.description)
                json.key("schema")
                parameter.schema.write(into: &json)
                json.key("example")
                json.value(parameter.example)
                json.endObject()
            }
            json.endArray()
        }
        if let body = description.body {
            json.key("requestBody")
            json.beginObject()
            json.key("required")
            json.value(true)
            json.key("content")
            json.beginObject()
            json.key("application/json")
            json.beginObject()
            json.key("schema")
            body.schema.write(into: &json)
            json.key("example")
            json.value(body.example)
            json.endObject()
            json.endObject()
            json.endObject()
        }
        json.key("responses")
        json.beginObject()
        for status in description.responses.keys.sorted() {
            json.key(String(status))
            json.beginObject()
            json.key("description")
            json.value(description.responses[status]!)
            if status >= 400 {
                json.key("content")
                json.value(["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]])
            }
            json.endObject()
        }
        json.endObject()
        json.endObject()
    }
}
