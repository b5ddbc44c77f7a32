import Learning
import Registry
import Storage

/// What a `POST /similar` asks: the query row by feature name, how many rows, and which
/// version (by name or id; neither: the default production model).
struct SimilarQuery: Equatable {
    var features: [String: FeatureValue] = [:]
    var n = 5
    var modelName: String?
    var modelID: Int64?

    init() {}

    /// The common body, `{"model": "name", "n": 5, "features": {...}}` in any member order,
    /// read straight from the bytes without the JSON tree: plain keys and strings, number,
    /// string, boolean or null features, a whole `n` in range. Anything else (an escape, a
    /// repeated or unknown key, `model_id`, a nested value, malformed JSON) is declined with
    /// nil and `init(json:)` reads it, so every error is worded in one place and both paths
    /// agree.
    static func scan(_ body: [UInt8]) -> SimilarQuery? {
        body.withUnsafeBufferPointer { bytes -> SimilarQuery? in
            var reader = JSONReader.Reader(bytes: bytes, maxDepth: 2)
            var query = SimilarQuery()
            var seen: (features: Bool, n: Bool, model: Bool) = (false, false, false)
            guard reader.consume(UInt8(ascii: "{")) else { return nil }
            while true {
                guard let key = reader.plainString(), reader.consume(UInt8(ascii: ":")) else { return nil }
                reader.skipSpace()
                if JSONReader.key(key, is: "features") && !seen.features {
                    seen.features = true
                    guard let features = scanFeatures(&reader) else { return nil }
                    query.features = features
                } else if JSONReader.key(key, is: "n") && !seen.n {
                    seen.n = true
                    guard case .value(let v) = DecimalNumber.parseJSON(bytes, at: &reader.position),
                        v == v.rounded(), (1...Double(SimilarSamples.maximumN)).contains(v)
                    else { return nil }
                    query.n = Int(v)
                } else if JSONReader.key(key, is: "model") && !seen.model {
                    seen.model = true
                    guard let raw = reader.unescapedString(), let name = UTF8Bytes.string(raw) else { return nil }
                    query.modelName = name
                } else {
                    return nil
                }
                if reader.consume(UInt8(ascii: ",")) { continue }
                guard reader.consume(UInt8(ascii: "}")) else { return nil }
                break
            }
            reader.skipSpace()
            return seen.features && reader.position == bytes.count ? query : nil
        }
    }

    /// The features object's members (at its `{`), or nil to decline.
    private static func scanFeatures(_ reader: inout JSONReader.Reader) -> [String: FeatureValue]? {
        guard reader.consume(UInt8(ascii: "{")) else { return nil }
        var features: [String: FeatureValue] = [:]
        features.reserveCapacity(8)
        if reader.consume(UInt8(ascii: "}")) { return features }
        while true {
            guard let raw = reader.plainString(), let name = UTF8Bytes.string(raw), reader.consume(UInt8(ascii: ":"))
            else { return nil }
            guard let value = reader.plainFeatureValue(booleans: true) else { return nil }
            // A repeated name is the general path's error.
            guard features.updateValue(value, forKey: name) == nil else { return nil }
            if reader.consume(UInt8(ascii: ",")) { continue }
            guard reader.consume(UInt8(ascii: "}")) else { return nil }
            return features
        }
    }

    /// Any body, from its JSON tree; throws the 422 that names every problem.
    init(json body: JSONValue) throws {
        guard case .object(let members) = body else {
            throw APIError(422, "invalid_request", "the body must be an object with \"features\" and \"n\"")
        }
        var problems: [String: String] = [:]
        for (key, value) in members {
            switch (key, value) {
            case ("features", .object(let fields)):
                features.reserveCapacity(fields.count)
                for (name, field) in fields {
                    switch field {
                    case .number(let v): features[name] = .number(v)
                    case .string(let s): features[name] = .text(s)
                    case .bool(let b): features[name] = .text(b ? "true" : "false")
                    case .null: features[name] = .missing
                    case .array, .object: problems["features.\(name)"] = "must be a number, a string or null"
                    }
                }
            case ("n", .number(let v)) where v == v.rounded() && (1...Double(SimilarSamples.maximumN)).contains(v):
                n = Int(v)
            case ("n", _): problems["n"] = "must be a whole number from 1 to \(SimilarSamples.maximumN)"
            case ("model", .string(let name)): modelName = name
            case ("model_id", .number(let id)) where id == id.rounded() && id > 0 && id < 1e15: modelID = Int64(id)
            case ("features", _): problems["features"] = "must be an object of feature values"
            case ("model", _), ("model_id", _): problems[key] = "must be a model name, or a model id"
            default: problems[key] = "unknown field; expected features, n, and optionally model or model_id"
            }
        }
        if !members.contains(where: { $0.0 == "features" }) { problems["features"] = "missing" }
        if !problems.isEmpty { throw APIError(422, "invalid_request", APIError.describe(problems), details: problems) }
    }
}
