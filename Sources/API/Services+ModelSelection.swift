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
        throw noDefaultModel()
    }

    /// The version that answers a request naming `name` (or none), by the name's canary
    /// split when it has one (sticky per `key`), and the shadows that score the same rows.
    func selectRoute(name: String?, key: () -> String?, _ context: RouteContext) throws -> (
        answer: LoadedModel, shadows: [LoadedModel]
    ) {
        if let route = route(named: name, key: key) { return route }
        if let name { throw APIError.notFound("no production model named \(name)") }
        throw noDefaultModel()
    }

    /// Why a request that names no model has none: nothing in production, or several.
    private func noDefaultModel() -> APIError {
        let names = store.all.map(\.name)
        if names.isEmpty {
            return APIError(
                503, "no_production_model", "no model is in production yet; assign one with POST /models/assign")
        }
        return APIError(
            400, "model_required",
            "several models are in production (\(names.joined(separator: ", "))); name one with \"model\"")
    }

    /// The model a request that names none gets: the configured default, or the only one in
    /// production.
    func defaultModel() -> LoadedModel? {
        if let preferred = configuration.defaultModel, let loaded = store.production(name: preferred) { return loaded }
        return store.production(name: nil)
    }

    /// The route of a request naming `name` (nil: the default model's), or nil when there is
    /// none: `selectRoute` without its errors (the shortcut leaves those to the general path).
    func route(named name: String?, key: () -> String?) -> (answer: LoadedModel, shadows: [LoadedModel])? {
        guard let name else { return defaultRoute(key: key) }
        return store.route(name: name, key: key)
    }

    /// The default model's route: its split's choice for `key`, and its shadows.
    func defaultRoute(key: () -> String?) -> (answer: LoadedModel, shadows: [LoadedModel])? {
        if let preferred = configuration.defaultModel, let route = store.route(name: preferred, key: key) {
            return route
        }
        return store.route(name: nil, key: key)
    }
}
