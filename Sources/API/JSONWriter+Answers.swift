import Learning

extension JSONWriter {
    /// Which model answered: model_id, name and version (encoded once per loaded model).
    mutating func identity(of model: LoadedModel) {
        members(model.identityMembers)
    }

    /// The identity members of a version, encoded.
    static func identityMembers(id: Int64, name: String, version: Int) -> [UInt8] {
        var json = JSONWriter(capacity: 64)
        json.beginObject()
        json.key("model_id")
        json.value(Int(id))
        json.key("name")
        json.value(name)
        json.key("version")
        json.value(version)
        json.endObject()
        return Array(json.bytes.dropFirst().dropLast())
    }

    /// Opens a model's answer: the request id, then which model answered.
    mutating func beginAnswer(_ context: RouteContext, from model: LoadedModel) {
        beginObject()
        key(Self.requestIDKey)
        value(plain: context.requestID)
        identity(of: model)
    }

    private static let requestIDKey = Key("request_id")
}
