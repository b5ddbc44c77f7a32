import Foundation
import HTTPServer
import Learning
import Registry
import Storage

extension API {
    /// The route table: the one place endpoints are declared (the OpenAPI document is built
    /// from it, so the two cannot drift).
    static func makeRoutes() -> [Route] {
        [
            Route(
                method: "POST", pattern: ["predict"], summary: "Predict one row (features) or many (instances)",
                admin: false, slow: false, requestSchema: OpenAPI.predictRequest,
                responses: [
                    200: "Predictions with model_id, name, version, request_id", 400: "Malformed JSON",
                    404: "Unknown model", 413: "Too many instances", 422: "Invalid features, listed by name",
                    503: "No production model",
                ],
                handle: { api, context in try api.predict(context) }),
            similarRoute,
            Route(
                method: "GET", pattern: ["models", "current"], summary: "The production model (?name= for one name)",
                admin: false, slow: true, requestSchema: nil,
                responses: [
                    200: "id, name, version, kind, hyperparameters, metrics, feature_schema, assigned_at",
                    404: "No production model for that name",
                ],
                handle: { api, context in try api.current(context) }),
            Route(
                method: "GET", pattern: ["models"], summary: "Registry history with metrics (?name= to filter)",
                admin: false, slow: true, requestSchema: nil, responses: [200: "An array of model versions"],
                handle: { api, context in try api.list(context) }),
            Route(
                method: "GET", pattern: ["models", "{id}"],
                summary: "One version: metrics, coefficients by feature, inference",
                admin: false, slow: true, requestSchema: nil, responses: [200: "The version", 404: "No such id"],
                handle: { api, context in try api.show(context) }),
            Route(
                method: "POST", pattern: ["models", "assign"], summary: "Make a version production (admin)",
                admin: true, slow: true, requestSchema: OpenAPI.assignRequest,
                responses: [200: "The assignment", 401: "No token", 403: "Wrong token", 404: "No such model"],
                handle: { api, context in try api.assign(context) }),
            Route(
                method: "POST", pattern: ["models", "rollback"],
                summary: "Point production back at the previous version (admin)",
                admin: true, slow: true, requestSchema: OpenAPI.rollbackRequest,
                responses: [
                    200: "The assignment", 401: "No token", 403: "Wrong token", 409: "Nothing to roll back to",
                ],
                handle: { api, context in try api.rollback(context) }),
            Route(
                method: "POST", pattern: ["models", "train"],
                summary: "Train versions from a spec (admin; runs off the event loops)",
                admin: true, slow: true, requestSchema: OpenAPI.trainRequest,
                responses: [200: "The new versions", 401: "No token", 403: "Wrong token", 422: "Invalid spec or data"],
                handle: { api, context in try api.train(context) }),
            Route(
                method: "GET", pattern: ["requests"],
                summary: "The latest request log rows (admin; ?limit=, ?request_id=)",
                admin: true, slow: true, requestSchema: nil, responses: [200: "Request log rows", 401: "No token"],
                handle: { api, context in try api.requests(context) }),
            Route(
                method: "GET", pattern: ["health"], summary: "Liveness: the process answers",
                admin: false, slow: false, requestSchema: nil, responses: [200: "ok"],
                handle: { api, context in api.health(context) }),
            Route(
                method: "GET", pattern: ["ready"],
                summary: "Readiness: database reachable and a production model loaded",
                admin: false, slow: true, requestSchema: nil,
                responses: [200: "ready", 503: "not ready, with reasons"],
                handle: { api, context in api.ready(context) }),
            Route(
                method: "GET", pattern: ["metrics"], summary: "Prometheus metrics",
                admin: false, slow: false, requestSchema: nil, responses: [200: "text/plain exposition"],
                handle: { api, context in api.metricsText(context) }),
            Route(
                method: "GET", pattern: ["openapi.json"], summary: "This API described (OpenAPI 3.1)",
                admin: false, slow: false, requestSchema: nil, responses: [200: "The OpenAPI document"],
                handle: { api, _ in Reply(body: Array(OpenAPI.document(for: api.routes).utf8)) }),
            Route(
                method: "GET", pattern: ["docs"], summary: "A readable page of the API",
                admin: false, slow: false, requestSchema: nil, responses: [200: "HTML"],
                handle: { api, context in
                    Reply(
                        contentType: "text/html; charset=utf-8",
                        body: Array(DocsPage.html(routes: api.routes, host: Self.safeHost(context.request)).utf8))
                }),
            Route(
                method: "GET", pattern: [], summary: "Dashboard: production models, history, metrics",
                admin: false, slow: true, requestSchema: nil, responses: [200: "HTML"],
                handle: { api, context in try api.dashboard(context) }),
        ]
    }

    /// The Host header if it is a plain host[:port] (it ends up in HTML), else nothing.
    static func safeHost(_ request: HTTPRequest) -> String {
        let host = request.header("Host") ?? ""
        let allowed = host.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) || ".-:[]".unicodeScalars.contains($0)
        }
        return allowed && host.count <= 255 ? host : ""
    }

    // MARK: Prediction

    func predict(_ context: RouteContext) throws -> Reply {
        // The common body, {"features": {...}} for the default model, skips the JSON tree.
        if let loaded = defaultModel(), let row = loaded.scanner.scan(context.request.body) {
            return try answer([row], single: true, loaded, context)
        }
        let body = try context.json()
        guard case .object(let members) = body else {
            throw APIError(422, "invalid_request", "the body must be an object with \"features\" or \"instances\"")
        }
        var features: JSONValue?
        var instances: [JSONValue]?
        var modelName: String?
        var modelID: Int64?
        var problems: [String: String] = [:]
        for (key, value) in members {
            switch key {
            case "features": features = value
            case "instances":
                guard case .array(let rows) = value else {
                    problems["instances"] = "must be an array of objects"
                    continue
                }
                instances = rows
            case "model":
                guard case .string(let name) = value else {
                    problems["model"] = "must be a model name (string)"
                    continue
                }
                modelName = name
            case "model_id":
                guard case .number(let id) = value, id == id.rounded(), id > 0, id < 1e15 else {
                    problems["model_id"] = "must be a positive integer"
                    continue
                }
                modelID = Int64(id)
            default: problems[key] = "unknown field; expected features or instances, and optionally model or model_id"
            }
        }
        if features != nil && instances != nil { problems["features"] = "send features or instances, not both" }
        if features == nil && instances == nil && problems.isEmpty {
            problems["features"] = "missing: send {\"features\": {...}} or {\"instances\": [{...}]}"
        }
        if !problems.isEmpty { throw APIError(422, "invalid_request", Self.describe(problems), details: problems) }
        if let instances, instances.count > configuration.maxInstances {
            throw APIError(
                413, "too_many_instances",
                "\(instances.count) instances; at most \(configuration.maxInstances) per request")
        }
        let loaded = try selectModel(name: modelName, id: modelID)
        let categorical = Set(loaded.model.schema.categorical)
        var rows: [[FeatureValue?]?] = []
        for (i, row) in (instances ?? [features!]).enumerated() {
            let prefix = instances == nil ? "features" : "instances[\(i)]"
            guard case .object(let fields) = row else {
                problems[prefix] = "must be an object of feature values"
                rows.append(nil)
                continue
            }
            var values = [FeatureValue?](repeating: nil, count: loaded.inputIndex.count)
            for (name, value) in fields {
                let converted: FeatureValue
                switch value {
                case .number(let n): converted = .number(n)
                case .string(let s): converted = .text(s)
                case .null: converted = .missing
                case .bool(let b):
                    converted = categorical.contains(name) ? .text(b ? "true" : "false") : .number(b ? 1 : 0)
                case .array, .object:
                    problems["\(prefix).\(name)"] = "must be a number, a string or null, not \(value.typeName)"
                    continue
                }
                guard let k = loaded.inputIndex[name] else {
                    problems["\(prefix).\(name)"] = "unknown feature"
                    continue
                }
                values[k] = converted
            }
            rows.append(values)
        }
        return try answer(rows, single: instances == nil, loaded, context, problems: problems)
    }

    /// Predicts every row (nil: a row already found malformed) and writes the answer, or one
    /// 422 listing every problem by row and feature.
    private func answer(
        _ rows: [[FeatureValue?]?], single: Bool, _ loaded: LoadedModel, _ context: RouteContext,
        problems known: [String: String] = [:]
    ) throws -> Reply {
        var problems = known
        var results: [(Prediction, Preprocessor.EncodingNotes)] = []
        results.reserveCapacity(rows.count)
        for (i, row) in rows.enumerated() {
            guard let row else { continue }
            let prefix = single ? "features" : "instances[\(i)]"
            do {
                results.append(try row.withUnsafeBufferPointer { try loaded.model.predict(ordered: $0) })
            } catch let error as LearningError {
                for (feature, problem) in error.details where problems["\(prefix).\(feature)"] == nil {
                    problems["\(prefix).\(feature)"] = problem
                }
            }
        }
        if !problems.isEmpty {
            throw APIError(422, "invalid_features", Self.describe(problems), details: problems)
        }
        var json = JSONWriter(capacity: 128 + 48 * results.count)
        json.beginAnswer(context, from: loaded)
        if single {
            Self.write(results[0], into: &json)
        } else {
            json.key("predictions")
            json.beginArray()
            for result in results {
                json.beginObject()
                Self.write(result, into: &json)
                json.endObject()
            }
            json.endArray()
        }
        json.endObject()
        return .json(json, modelID: loaded.id)
    }

    private static func write(_ result: (Prediction, Preprocessor.EncodingNotes), into json: inout JSONWriter) {
        switch result.0 {
        case .classification(let probability, let label):
            json.key("probability")
            json.value(probability)
            json.key("label")
            json.value(label)
        case .regression(let value):
            json.key("prediction")
            json.value(value)
        }
        if result.1.unknownCategories > 0 {
            json.key("unknown_categories")
            json.value(result.1.unknownCategories)
        }
        if !result.1.imputed.isEmpty {
            // Sent as null and handled by the model's missing-value policy.
            json.key("imputed")
            json.beginArray()
            for name in result.1.imputed { json.value(name) }
            json.endArray()
        }
    }

    static func describe(_ problems: [String: String]) -> String {
        problems.keys.sorted().map { "\($0): \(problems[$0]!)" }.joined(separator: "; ")
    }

    func selectModel(name: String?, id: Int64?) throws -> LoadedModel {
        if let id {
            do {
                return try store.model(id: id)
            } catch let error as RegistryError where error.code == .notFound {
                throw APIError.notFound("no model with id \(id)")
            }
        }
        if let name {
            guard let loaded = store.production(name: name) else {
                throw APIError.notFound("no production model named \(name)")
            }
            return loaded
        }
        if let loaded = defaultModel() { return loaded }
        let names = store.all.map(\.name)
        if names.isEmpty {
            throw APIError(
                503, "no_production_model", "no model is in production yet; assign one with POST /models/assign")
        }
        throw APIError(
            400, "model_required",
            "several models are in production (\(names.joined(separator: ", "))); name one with \"model\"")
    }

    /// The model a request that names none gets: the configured default, or the only one in
    /// production.
    func defaultModel() -> LoadedModel? {
        if let preferred = configuration.defaultModel, let loaded = store.production(name: preferred) { return loaded }
        return store.production(name: nil)
    }

    // MARK: Registry

    func current(_ context: RouteContext) throws -> Reply {
        let name = context.request.queryItems["name"]
        let loaded: LoadedModel
        if let name {
            guard let found = store.production(name: name) else {
                throw APIError.notFound("no production model named \(name)")
            }
            loaded = found
        } else {
            loaded = try selectModel(name: nil, id: nil)
        }
        let record = try registry.record(id: loaded.id)
        return Reply(
            body: Array(
                try ModelDocuments.json(ModelDocuments.Summary(record, assignedAt: loaded.assignedAt, withSchema: true))
                    .utf8),
            modelID: loaded.id)
    }

    func list(_ context: RouteContext) throws -> Reply {
        let records = try registry.list(name: context.request.queryItems["name"])
        return Reply(body: Array(try ModelDocuments.json(records.map { ModelDocuments.Summary($0) }).utf8))
    }

    func show(_ context: RouteContext) throws -> Reply {
        guard let id = Int64(context.parameters["id"] ?? ""), id > 0 else {
            throw APIError.notFound("no model with id \(context.parameters["id"] ?? "")")
        }
        let detail = try ModelDocuments.Detail(try registry.record(id: id), withQuery: isAdmin(context.request))
        return Reply(body: Array(try ModelDocuments.json(detail).utf8), modelID: id)
    }

    func assign(_ context: RouteContext) throws -> Reply {
        let body = try context.json()
        let id: Int64
        if case .number(let n)? = body["model_id"], n == n.rounded(), n > 0 {
            id = Int64(n)
        } else if case .string(let name)? = body["name"], case .number(let v)? = body["version"], v == v.rounded() {
            id = try registry.record(name: name, version: Int(v)).id
        } else {
            throw APIError(422, "invalid_request", "send {\"model_id\": ID} or {\"name\": NAME, \"version\": N}")
        }
        return try reply(to: try registry.assign(id: id, by: "api:\(context.request.remoteAddress)"))
    }

    /// After a change of production: reload the in-memory models, describe the change.
    private func reply(to assignment: ModelRegistry.Assignment) throws -> Reply {
        try store.refresh()
        let record = try registry.record(id: assignment.toModelID)
        return Reply(
            body: Array(
                try ModelDocuments.json(ModelDocuments.AssignmentDocument(assignment, version: record.version)).utf8),
            modelID: assignment.toModelID)
    }

    func rollback(_ context: RouteContext) throws -> Reply {
        guard case .string(let name)? = try context.json()["name"] else {
            throw APIError(422, "invalid_request", "send {\"name\": NAME}")
        }
        return try reply(to: try registry.rollback(name: name, by: "api:\(context.request.remoteAddress)"))
    }

    func train(_ context: RouteContext) throws -> Reply {
        let body = try context.json()
        var promotion = Trainer.Promotion.none
        if case .bool(true)? = body["promote"] { promotion = .always }
        if case .string(let metric)? = body["promote_if_better"] { promotion = .ifBetter(metric: metric) }
        guard case .object(var members) = body else {
            throw APIError(422, "invalid_request", "send a training spec object")
        }
        members.removeAll { $0.0 == "promote" || $0.0 == "promote_if_better" }
        let specText = JSONValue.object(members).encoded
        let spec = try TrainingSpec.parse(specText, file: "request body")
        let trainer = Trainer(
            registry: registry, source: configuration.trainingDatabase, queryTimeout: configuration.trainingTimeout)
        let result = try trainer.train(
            spec, promotion: promotion, by: "api:\(context.request.remoteAddress)")
        if result.promoted != nil { try store.refresh() }
        var json = JSONWriter()
        json.beginObject()
        json.key("versions")
        json.raw(try ModelDocuments.json(result.versions.map { ModelDocuments.Summary($0) }))
        json.key("rows")
        json.value(result.rows)
        json.key("data_fingerprint")
        json.value(result.fingerprint)
        json.key("metrics_on_training_data")
        json.value(result.metricsOnTrainingData)
        if let note = result.promotionNote {
            json.key("promotion")
            json.value(note)
        }
        json.endObject()
        return .json(json, modelID: result.promoted?.id)
    }

    func requests(_ context: RouteContext) throws -> Reply {
        let limit = min(1_000, max(1, Int(context.request.queryItems["limit"] ?? "") ?? 50))
        var sql = """
            SELECT request_id, received_at, method, path, status, latency_us, model_id, request_body, response_body,
                   client_address FROM request_log
            """
        var parameters: [SQLValue] = []
        if let id = context.request.queryItems["request_id"] {
            sql += " WHERE request_id = ?"
            parameters.append(.text(id))
        }
        sql += " ORDER BY id DESC LIMIT ?"
        parameters.append(.integer(Int64(limit)))
        let rows = try database.query(sql, parameters)
        var json = JSONWriter()
        json.beginArray()
        for row in rows {
            json.beginObject()
            for (i, name) in row.columns.names.enumerated() {
                json.key(name)
                switch row[i] {
                case .null: json.null()
                case .integer(let v): json.value(Int(v))
                case .double(let v): json.value(v)
                case .text(let s): json.value(s)
                case .bool(let b): json.value(b)
                case .timestamp(let d): json.value(Timestamp.format(d))
                case .bytes(let b): json.value(b.count)
                }
            }
            json.endObject()
        }
        json.endArray()
        return .json(json)
    }

    // MARK: Operations

    func health(_ context: RouteContext) -> Reply {
        var json = JSONWriter()
        json.beginObject()
        json.key("status")
        json.value("ok")
        json.key("uptime_seconds")
        json.value(Date().timeIntervalSince(started))
        json.endObject()
        return .json(json)
    }

    func ready(_ context: RouteContext) -> Reply {
        var problems: [String] = []
        do {
            _ = try database.query("SELECT 1")
        } catch {
            configuration.onError("readiness: database unreachable: \(error)")
            problems.append("database unreachable")
        }
        let models = store.all
        if models.isEmpty { problems.append("no production model loaded") }
        var json = JSONWriter()
        json.beginObject()
        json.key("ready")
        json.value(problems.isEmpty)
        json.key("database")
        json.value(problems.first { $0.hasPrefix("database") } == nil ? "ok" : "unreachable")
        json.key("models")
        json.beginArray()
        for model in models {
            json.beginObject()
            json.identity(of: model)
            json.endObject()
        }
        json.endArray()
        json.key("request_log_waiting")
        json.value(log.rowsWaiting)
        if !problems.isEmpty {
            json.key("problems")
            json.beginArray()
            for problem in problems { json.value(problem) }
            json.endArray()
        }
        json.endObject()
        return .json(json, status: problems.isEmpty ? 200 : 503)
    }

    func metricsText(_ context: RouteContext) -> Reply {
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
                [:],
                Double(log.rowsWaiting)
            ),
            (
                "modelserve_request_log_database_up", "1 if the request log writer reaches the database.", [:],
                log.isDatabaseDown ? 0 : 1
            ),
        ]
        for model in store.all {
            gauges.append(
                (
                    "modelserve_production_model", "The production model of each name (value: model id).",
                    ["name": model.name, "version": String(model.version)], Double(model.id)
                ))
        }
        return Reply(
            contentType: "text/plain; version=0.0.4; charset=utf-8",
            body: Array(metrics.exposition(gauges: gauges).utf8))
    }
}

extension JSONWriter {
    /// Which model answered: model_id, name and version.
    mutating func identity(of model: LoadedModel) {
        key("model_id")
        value(Int(model.id))
        key("name")
        value(model.name)
        key("version")
        value(model.version)
    }

    /// Opens a model's answer: the request id, then which model answered.
    mutating func beginAnswer(_ context: RouteContext, from model: LoadedModel) {
        beginObject()
        key("request_id")
        value(context.requestID)
        identity(of: model)
    }
}

extension JSONValue {
    /// Compact JSON text of the value.
    var encoded: String {
        var json = JSONWriter()
        append(to: &json)
        return String(decoding: json.bytes, as: UTF8.self)
    }

    private func append(to json: inout JSONWriter) {
        switch self {
        case .null: json.null()
        case .bool(let b): json.value(b)
        case .number(let n): json.value(n)
        case .string(let s): json.value(s)
        case .array(let items):
            json.beginArray()
            for item in items { item.append(to: &json) }
            json.endArray()
        case .object(let members):
            json.beginObject()
            for (key, value) in members {
                json.key(key)
                value.append(to: &json)
            }
            json.endObject()
        }
    }
}
