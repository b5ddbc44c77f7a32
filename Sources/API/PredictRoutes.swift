import Learning

/// `POST /predict`: one row (`features`) or many (`instances`) through the production model
/// of a name, or a version by id. Runs on the event loop: production models are in memory.
enum PredictRoutes: RouteGroup {
    static func register(on router: inout RouterBuilder) {
        router.post(
            "/predict", runs: .onLoop, queueLimit: 256,
            RouteDescription(
                summary: "Predict one row (features) or many (instances)",
                body: .init(
                    schema: .object([
                        .optional(
                            "features",
                            .object([], additionalProperties: .types(["number", "string", "boolean", "null"]))),
                        .optional("instances", .array(.anyObject)),
                        .optional("model", .described("A name in production", .string)),
                        .optional("model_id", .described("A version by id, production or not", .integer(minimum: 1))),
                    ]),
                    example: [
                        "features": [
                            "apr": 14.5, "requested": 12000, "annual_income": 62000, "loan_purpose": "car",
                            "credit": "good", "lender_id": 3,
                        ],
                        "model": "click",
                    ]),
                responses: [
                    200: "Predictions with model_id, name, version, request_id", 400: "Malformed JSON",
                    404: "Unknown model", 413: "Too many instances", 422: "Invalid features, listed by name",
                    503: "No production model",
                ]),
            handler: predict)
    }

    static func predict(_ services: Services, _ context: RouteContext) throws -> Reply {
        // The common bodies, {"features": {...}} for the default model and {"model": "name",
        // "features": {...}}, skip the JSON tree; with no shadows to feed and valid features,
        // the row never leaves the stack. A name not in production is the general path's 404.
        let named = FeatureRowScanner.leadingModel(context.request.body)
        if let route = services.route(named: named?.name, key: { routingKey(context) }),
            let reply = try route.answer.scanner.withRow(
                context.request.body, membersAt: named?.membersAt,
                { row -> Reply in
                    guard route.shadows.isEmpty, let result = try? route.answer.model.predict(ordered: row) else {
                        return try answer(
                            [Array(row)], single: true, route.answer, context, services: services,
                            shadows: route.shadows)
                    }
                    return reply(single: result, route.answer, context)
                })
        {
            return reply
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
        if !problems.isEmpty { throw APIError(422, "invalid_request", APIError.describe(problems), details: problems) }
        if let instances, instances.count > services.configuration.maxInstances {
            throw APIError(
                413, "too_many_instances",
                "\(instances.count) instances; at most \(services.configuration.maxInstances) per request")
        }
        let (loaded, shadows) =
            modelID != nil
            ? (try services.selectModel(name: modelName, id: modelID, context), [])
            : try services.selectRoute(name: modelName, key: { routingKey(context) }, context)
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
        return try answer(
            rows, single: instances == nil, loaded, context, problems: problems, services: services, shadows: shadows)
    }

    /// The key a canary split keeps a client's answers on one version by (read only when the
    /// name has a split).
    private static func routingKey(_ context: RouteContext) -> String? {
        context.request.header("X-Routing-Key")
    }

    /// Predicts every row (nil: a row already found malformed) and writes the answer, or one
    /// 422 listing every problem by row and feature.
    private static func answer(
        _ rows: [[FeatureValue?]?], single: Bool, _ loaded: LoadedModel, _ context: RouteContext,
        problems known: [String: String] = [:], services: Services, shadows: [LoadedModel]
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
            throw APIError(422, "invalid_features", APIError.describe(problems), details: problems)
        }
        if single && shadows.isEmpty { return reply(single: results[0], loaded, context) }
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
        if !shadows.isEmpty {
            // The rows by name, for shadows whose inputs may be ordered (or named) otherwise.
            let names = loaded.model.preprocessor.inputNames
            let named = rows.compactMap { row in
                row.map { values in
                    var out: [String: FeatureValue] = [:]
                    for (k, value) in values.enumerated() { out[names[k]] = value ?? .missing }
                    return out
                }
            }
            services.shadows.score(
                named, with: shadows, requestID: context.requestID, requestBody: context.request.body,
                clientAddress: context.request.remoteAddress)
        }
        return .json(json, modelID: loaded.id)
    }

    /// The answer to one row.
    private static func reply(
        single result: (Prediction, Preprocessor.EncodingNotes), _ loaded: LoadedModel, _ context: RouteContext
    ) -> Reply {
        var json = JSONWriter(capacity: 176)
        json.beginAnswer(context, from: loaded)
        write(result, into: &json)
        json.endObject()
        return .json(json, modelID: loaded.id)
    }

    private static func write(_ result: (Prediction, Preprocessor.EncodingNotes), into json: inout JSONWriter) {
        switch result.0 {
        case .classification(let probability, let label):
            json.key(Keys.probability)
            json.value(probability)
            json.key(Keys.label)
            json.value(label)
        case .regression(let value):
            json.key(Keys.prediction)
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

    /// The keys of every prediction, encoded once.
    private enum Keys {
        static let probability = JSONWriter.Key("probability")
        static let label = JSONWriter.Key("label")
        static let prediction = JSONWriter.Key("prediction")
    }
}
