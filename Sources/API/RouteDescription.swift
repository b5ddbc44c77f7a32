import HTTPServer

/// How a route is described to people (`/docs`) and to tools (`/openapi.json`): typed
/// values with examples that run against the demo, so both documents come from the same
/// place and a `curl` copied from either works.
struct RouteDescription: Sendable {
    var summary: String
    var parameters: [Parameter] = []
    var body: Body?
    /// Status -> what it means for this route.
    var responses: [Int: String]
    /// When the example cannot succeed as written on the demo (it names something only a
    /// user's own traffic has), the status it gets there and what to change.
    var exampleOutcome: (status: Int, change: String)?
    /// The route checks a bearer token itself (the admin one or another): documents show
    /// the header.
    var takesToken = false

    /// A path or query parameter.
    struct Parameter: Sendable {
        enum Location: String, Sendable { case path, query }
        var name: String
        var location: Location
        var schema: Schema
        var description: String
        /// The value the examples use.
        var example: JSONValue

        static func path(_ name: String, _ schema: Schema, _ description: String, example: JSONValue) -> Parameter {
            Parameter(name: name, location: .path, schema: schema, description: description, example: example)
        }

        static func query(_ name: String, _ schema: Schema, _ description: String, example: JSONValue) -> Parameter {
            Parameter(name: name, location: .query, schema: schema, description: description, example: example)
        }
    }

    /// A JSON request body.
    struct Body: Sendable {
        var schema: Schema
        var example: JSONValue
    }

    /// A route's description with where it lives: what the documents iterate over.
    struct Entry: Sendable {
        let method: String
        let path: String
        let pattern: [String]
        let admin: Bool
        let description: RouteDescription

        /// Whether a request needs a bearer token (the router's admin check, or the route's own).
        var needsToken: Bool { admin || description.takesToken }
        /// Where it waits for a worker (its depth is a gauge in /metrics).
        let lane: WorkLane

        /// The path with every path parameter replaced by its example: "/models/1".
        var examplePath: String {
            var path =
                "/"
                + pattern.map { part -> String in
                    guard part.hasPrefix("{") else { return part }
                    let name = String(part.dropFirst().dropLast())
                    return description.parameters.first { $0.name == name }.map { Self.text($0.example) } ?? part
                }.joined(separator: "/")
            let query = description.parameters.filter { $0.location == .query }
            if !query.isEmpty {
                path += "?" + query.map { "\($0.name)=\(Self.text($0.example))" }.joined(separator: "&")
            }
            return path
        }

        /// "get_models_by_id"
        var operationID: String {
            method.lowercased()
                + pattern.map {
                    $0.replacingOccurrences(of: "{", with: "by_").replacingOccurrences(of: "}", with: "")
                        .replacingOccurrences(of: ".", with: "_")
                }.joined(separator: "_").replacingOccurrences(of: "__", with: "_")
        }

        private static func text(_ value: JSONValue) -> String {
            if case .string(let s) = value { return s }
            return value.encoded
        }
    }
}

/// A JSON Schema, as much of it as the API's documents need.
indirect enum Schema: Sendable {
    case string
    case integer(minimum: Int? = nil, maximum: Int? = nil)
    case number
    case boolean
    /// Any of these JSON types ("number", "string", "boolean", "null").
    case types([String])
    case oneOf([String])
    case array(Schema)
    case object([Property], additionalProperties: Schema? = nil)
    /// Any JSON object.
    case anyObject
    case described(String, Schema)

    struct Property: Sendable {
        var name: String
        var schema: Schema
        var required = false

        static func required(_ name: String, _ schema: Schema) -> Property {
            Property(name: name, schema: schema, required: true)
        }

        static func optional(_ name: String, _ schema: Schema) -> Property {
            Property(name: name, schema: schema)
        }
    }

    static var integer: Schema { .integer() }

    func write(into json: inout JSONWriter) {
        json.beginObject()
        members(into: &json)
        json.endObject()
    }

    private func members(into json: inout JSONWriter) {
        func type(_ name: String) {
            json.key("type")
            json.value(name)
        }
        switch self {
        case .string: type("string")
        case .number: type("number")
        case .boolean: type("boolean")
        case .anyObject: type("object")
        case .integer(let minimum, let maximum):
            type("integer")
            if let minimum {
                json.key("minimum")
                json.value(minimum)
            }
            if let maximum {
                json.key("maximum")
                json.value(maximum)
            }
        case .types(let names):
            json.key("type")
            json.beginArray()
            for name in names { json.value(name) }
            json.endArray()
        case .oneOf(let values):
            json.key("enum")
            json.beginArray()
            for value in values { json.value(value) }
            json.endArray()
        case .array(let items):
            type("array")
            json.key("items")
            items.write(into: &json)
        case .object(let properties, let additional):
            type("object")
            json.key("properties")
            json.beginObject()
            for property in properties {
                json.key(property.name)
                property.schema.write(into: &json)
            }
            json.endObject()
            let required = properties.filter(\.required).map(\.name)
            if !required.isEmpty {
                json.key("required")
                json.beginArray()
                for name in required { json.value(name) }
                json.endArray()
            }
            if let additional {
                json.key("additionalProperties")
                additional.write(into: &json)
            }
        case .described(let text, let schema):
            json.key("description")
            json.value(text)
            schema.members(into: &json)
        }
    }
}
