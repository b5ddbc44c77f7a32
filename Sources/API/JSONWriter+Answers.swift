import Learning

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
