import Foundation
import Learning
import Registry

/// After deployment: `POST /feedback` joins labels to logged predictions by request id;
/// `GET /models/{id}/monitoring` scores each version on them as at training, beside its
/// held-out figures, with its requests and latency from the log; `GET /models/{id}/drift`
/// compares served features with the training rows'.
enum FeedbackRoutes: RouteGroup {
    static func register(on router: inout RouterBuilder) {
        let item = Schema.object([.required("request_id", .string), .required("actual", .number)])
        router.post(
            "/feedback",
            RouteDescription(
                summary: "Ground truth for logged predictions, by request id (admin or MODELSERVE_FEEDBACK_TOKEN)",
                body: .init(
                    schema: .object([
                        .optional("request_id", .string), .optional("actual", .number),
                        .optional("feedback", .array(item)), .optional("replace", .boolean),
                    ]),
                    example: ["request_id": "the-X-Request-Id-of-a-predict", "actual": 1]),
                responses: [
                    200: "The labels recorded, each with the version and what it predicted",
                    401: "No token", 403: "Wrong token",
                    404: "No logged request with that id (or row)",
                    409: "Feedback for that row was already given (send replace: true)",
                    422: "A label of the wrong type for the version's task, or not a /predict",
                ],
                exampleOutcome: (
                    404, "put the X-Request-Id of one of your /predict answers (request_id#i for row i of a batch)"
                ),
                takesToken: true),
            handler: feedback)
        router.get(
            "/models/{id}/monitoring",
            RouteDescription(
                summary: "Live quality on feedback (all time and recent), beside training's held-out metrics; "
                    + "calibration for probabilities; requests and latency from the log",
                parameters: [
                    .path("id", .integer(minimum: 1), "The version's id", example: 1),
                    .query("window", .string, "The recent window: 30m, 24h, 7d (default 7d)", example: "7d"),
                ],
                responses: [200: "The version's monitoring", 400: "A window that is not a duration", 404: "No such id"]),
            handler: monitoring)
        router.get(
            "/models/{id}/drift",
            RouteDescription(
                summary: "Served traffic against the training rows per feature: PSI (< 0.1 stable, 0.1-0.25 moderate, "
                    + "> 0.25 major), KS for numbers, missing and unknown-level rates",
                parameters: [
                    .path("id", .integer(minimum: 1), "The version's id", example: 1),
                    .query(
                        "window", .string, "How far back to read served requests: 30m, 24h, 7d (default 7d)",
                        example: "7d"),
                ],
                responses: [
                    200: "Per feature: psi, ks, flag, missing rates, unknown_rate",
                    400: "A window that is not a duration", 404: "No such id, or a version without a training profile",
                ]),
            handler: drift)
    }

    static func drift(_ services: Services, _ context: RouteContext) throws -> Reply {
        let id = try context.id("id", of: "model")
        let report = try DriftReport(registry: services.registry, modelID: id, window: try window(context))
        return Reply(body: Array(try ModelDocuments.json(report).utf8), modelID: id)
    }

    static func window(_ context: RouteContext) throws -> TimeInterval {
        let text = context.request.queryItems["window"] ?? "7d"
        guard let window = DurationText.seconds(text) else {
            throw APIError(
                400, "invalid_window", "window must be a duration such as 30m, 24h or 7d, not '\(text.prefix(20))'")
        }
        return window
    }

    static func feedback(_ services: Services, _ context: RouteContext) throws -> Reply {
        if !context.isAdmin {
            if let token = services.configuration.feedbackToken, !token.isEmpty {
                try AdminToken(token, variable: "MODELSERVE_FEEDBACK_TOKEN").authorize(context.request)
            } else {
                try context.token.authorize(context.request)
            }
        }
        let body = try context.json()
        var replace = false
        if let flag = body["replace"] {
            guard case .bool(let b) = flag else {
                throw APIError(422, "invalid_request", "replace must be true or false")
            }
            replace = b
        }
        var items: [FeedbackStore.Item] = []
        if let list = body["feedback"] {
            guard case .array(let entries) = list, !entries.isEmpty else {
                throw APIError(
                    422, "invalid_request", "feedback must be a non-empty array of {\"request_id\", \"actual\"}")
            }
            guard entries.count <= FeedbackStore.maximumBatch else {
                throw APIError(
                    413, "too_many_labels", "at most \(FeedbackStore.maximumBatch.formatted()) labels a request")
            }
            for (i, entry) in entries.enumerated() { items.append(try Self.item(entry, "feedback[\(i)]")) }
        } else {
            items.append(try Self.item(body, "the body"))
        }
        let store = FeedbackStore(registry: services.registry)
        let recorded: [FeedbackStore.Recorded]
        do {
            recorded = try store.record(items, replace: replace)
        } catch let error as RegistryError where error.code == .notFound {
            // Labels sent straight after the answer can outrun its row (written within 50 ms):
            // once what this process had queued is in the database (at once if nothing), again.
            guard services.log.waitUntilStored(timeout: 2) else { throw error }
            recorded = try store.record(items, replace: replace)
        }
        var json = JSONWriter(capacity: 64 + 96 * recorded.count)
        json.beginObject()
        json.key("recorded")
        json.value(recorded.count)
        json.key("feedback")
        json.beginArray()
        for row in recorded {
            json.beginObject()
            json.key("request_id")
            json.value(row.reference)
            json.key("model_id")
            json.value(Int(row.modelID))
            json.key("predicted")
            json.value(row.predicted)
            json.key("actual")
            json.value(row.actual)
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return .json(json)
    }

    /// `{"request_id": "abc#2", "actual": 1}`; `actual` a number or a boolean.
    static func item(_ value: JSONValue, _ place: String) throws -> FeedbackStore.Item {
        guard case .string(let reference)? = value["request_id"], !reference.isEmpty, reference.utf8.count <= 200 else {
            throw APIError(422, "invalid_request", "\(place): request_id must be the X-Request-Id of a /predict answer")
        }
        let actual: Double
        switch value["actual"] {
        case .number(let n)?: actual = n
        case .bool(let b)?: actual = b ? 1 : 0
        default:
            throw APIError(422, "invalid_label", "\(place): actual must be a number, or true/false for a classifier")
        }
        return try FeedbackStore.Item.parse(reference: reference, actual: actual)
    }

    static func monitoring(_ services: Services, _ context: RouteContext) throws -> Reply {
        let id = try context.id("id", of: "model")
        let window = try window(context)
        let document = try VersionMonitoring(registry: services.registry, modelID: id, window: window)
        let json = try ModelDocuments.json(document)
        if (context.request.header("Accept") ?? "").contains("text/html") {
            let drift = try? ModelDocuments.json(DriftReport(registry: services.registry, modelID: id, window: window))
            return .html(
                MonitoringPage.html(
                    monitoring: json, drift: drift, title: "\(document.name) version \(document.version) (id \(id))"))
        }
        return Reply(body: Array(json.utf8), modelID: id)
    }
}
