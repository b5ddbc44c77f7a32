import Learning
import Registry

/// Which loaded model answers a request that names a model, a version, or neither.
extension Services {
    func selectModel(name: String?, id: Int64?, _ context: RouteContext) throws -> LoadedModel {
        if let id {
            // A version not in memory yet is read from the database: not on an event loop.
            if context.onLoop, store.cached(id: id) == nil { throw OffLoop() }
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
}
