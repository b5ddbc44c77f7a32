import Foundation
import Learning
import Registry
import Storage

/// What needs the admin token: changing production, training, reading the request log.
enum AdminRoutes: RouteGroup {
    /// The demo's click query: the example `/models/train` body trains a third click version.
    static let clickQuery = """
        SELECT o.apr, o.lender_id, l.requested, l.loan_purpose, l.credit, l.annual_income, \
        CASE WHEN c.offer_id IS NULL THEN 0 ELSE 1 END AS clicked FROM offers o \
        JOIN leads l ON l.lead_uuid = o.lead_uuid \
        LEFT JOIN (SELECT DISTINCT offer_id FROM clicks) c ON c.offer_id = o.offer_id ORDER BY o.offer_id
        """

    static func register(on router: inout RouterBuilder) {
        router.post(
            "/models/assign", admin: true,
            RouteDescription(
                summary: "Make a version production (admin)",
                body: .init(
                    schema: .object([
                        .optional("model_id", .integer(minimum: 1)), .optional("name", .string),
                        .optional("version", .integer(minimum: 1)),
                    ]),
                    example: ["model_id": 2]),
                responses: [200: "The assignment", 401: "No token", 403: "Wrong token", 404: "No such model"]),
            handler: assign)
        router.post(
            "/models/rollback", admin: true,
            RouteDescription(
                summary: "Point production back at the previous version (admin)",
                body: .init(schema: .object([.required("name", .string)]), example: ["name": "click"]),
                responses: [200: "The assignment", 401: "No token", 403: "Wrong token", 409: "Nothing to roll back to"]),
            handler: rollback)
        let kinds = Schema.oneOf(ModelKind.allCases.map(\.rawValue))
        router.post(
            "/models/train", admin: true, queueLimit: 2,
            RouteDescription(
                summary:
                    "Train versions from a spec (admin): queued for modelserve worker (202, GET /models/train/jobs/{id}), "
                    + "or with serve --train-inline trained here, at most two at a time (200)",
                body: .init(
                    schema: .described(
                        "A training spec, as in pipelines/*.yaml (one kind, or several under models), plus optional promote (bool) or promote_if_better (metric).",
                        .object([
                            .required("name", .string), .optional("kind", kinds),
                            .optional("models", .array(.object([.required("kind", kinds)]))),
                            .required("query", .described("One read-only SELECT", .string)),
                            .required("target", .string), .optional("features", .anyObject),
                            .optional("split", .anyObject), .optional("cv", .anyObject),
                            .optional("hyperparameters", .array(.anyObject)), .optional("grid", .anyObject),
                            .optional("search", .anyObject), .optional("similar", .anyObject),
                            .optional("promote", .boolean), .optional("promote_if_better", .string),
                        ])),
                    example: [
                        "name": "click", "kind": "logistic", "query": .string(clickQuery), "target": "clicked",
                        "features": [
                            "numeric": ["apr", "requested", "annual_income"],
                            "categorical": ["loan_purpose", "credit", "lender_id"],
                        ],
                        "hyperparameters": [["C": 0.5, "standardize": true, "missing": "mean"]],
                    ]),
                responses: [
                    200: "The new versions (serve --train-inline)", 202: "The job, queued for modelserve worker",
                    401: "No token", 403: "Wrong token", 422: "Invalid spec or data",
                ]),
            handler: train)
        router.get(
            "/requests", admin: true,
            RouteDescription(
                summary: "The latest request log rows (admin; ?request_id= for one request's row)",
                parameters: [
                    .query("limit", .integer(minimum: 1, maximum: 1_000), "Rows, newest first (default 50)", example: 5)
                ],
                responses: [200: "Request log rows", 401: "No token"]),
            handler: requests)
    }

    static func assign(_ services: Services, _ context: RouteContext) throws -> Reply {
        let body = try context.json()
        let id: Int64
        if case .number(let n)? = body["model_id"], n == n.rounded(), n > 0, n < 1e15 {
            id = Int64(n)
        } else if case .string(let name)? = body["name"], case .number(let v)? = body["version"], v == v.rounded(),
            abs(v) < 1e9
        {
            id = try services.registry.record(name: name, version: Int(v)).id
        } else {
            throw APIError(422, "invalid_request", "send {\"model_id\": ID} or {\"name\": NAME, \"version\": N}")
        }
        return try reply(to: try services.registry.assign(id: id, by: "api:\(context.request.remoteAddress)"), services)
    }

    static func rollback(_ services: Services, _ context: RouteContext) throws -> Reply {
        guard case .string(let name)? = try context.json()["name"] else {
            throw APIError(422, "invalid_request", "send {\"name\": NAME}")
        }
        let assignment = try services.registry.rollback(name: name, by: "api:\(context.request.remoteAddress)")
        return try reply(to: assignment, services)
    }

    /// After a change of production: reload the in-memory models, describe the change.
    private static func reply(to assignment: ModelRegistry.Assignment, _ services: Services) throws -> Reply {
        try services.store.refresh()
        let record = try services.registry.record(id: assignment.toModelID)
        let document = ModelDocuments.AssignmentDocument(assignment, version: record.version)
        return Reply(body: Array(try ModelDocuments.json(document).utf8), modelID: assignment.toModelID)
    }

    static func train(_ services: Services, _ context: RouteContext) throws -> Reply {
        let body = try context.json()
        var promotion = Trainer.Promotion.none
        if case .bool(true)? = body["promote"] { promotion = .always }
        if case .string(let metric)? = body["promote_if_better"] { promotion = .ifBetter(metric: metric) }
        guard case .object(var members) = body else {
            throw APIError(422, "invalid_request", "send a training spec object")
        }
        members.removeAll { $0.0 == "promote" || $0.0 == "promote_if_better" }
        let text = JSONValue.object(members).encoded
        let configuration = services.configuration
        if !configuration.trainInline {
            var promoteIfBetter: String?
            if case .ifBetter(let metric) = promotion { promoteIfBetter = metric }
            let job = try TrainingJobs(registry: services.registry).enqueue(
                spec: text, promote: promotion == .always, promoteIfBetter: promoteIfBetter,
                by: "api:\(context.request.remoteAddress)")
            return Reply(status: 202, body: Array(try ModelDocuments.json(job).utf8))
        }
        let spec = try TrainingSpec.parse(text, file: "request body")
        let trainer = Trainer(
            registry: services.registry, source: configuration.trainingDatabase,
            queryTimeout: configuration.trainingTimeout)
        let result = try trainer.train(spec, promotion: promotion, by: "api:\(context.request.remoteAddress)")
        if result.promoted != nil { try services.store.refresh() }
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

    static func requests(_ services: Services, _ context: RouteContext) throws -> Reply {
        let query = context.request.queryItems
        let limit = min(1_000, max(1, Int(query["limit"] ?? "") ?? 50))
        let rows = try services.log.store.latest(limit: limit, requestID: query["request_id"])
        var json = JSONWriter(capacity: 512 * rows.count + 2)
        json.beginArray()
        for row in rows {
            json.beginObject()
            json.key("request_id")
            json.value(row.requestID)
            json.key("received_at")
            json.value(Timestamp.format(row.receivedAt))
            json.key("method")
            json.value(row.method)
            json.key("path")
            json.value(row.path)
            json.key("status")
            json.value(row.status)
            json.key("latency_us")
            json.value(Int(row.latencyMicros))
            json.key("model_id")
            if let id = row.modelID { json.value(Int(id)) } else { json.null() }
            for (name, text) in [
                ("request_body", row.requestBody), ("response_body", row.responseBody),
                ("client_address", row.clientAddress),
            ] {
                json.key(name)
                if let text { json.value(text) } else { json.null() }
            }
            json.endObject()
        }
        json.endArray()
        return .json(json)
    }
}
