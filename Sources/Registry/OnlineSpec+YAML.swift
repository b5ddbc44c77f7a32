import Foundation
import Learning
import Yams

/// Reads an online spec from YAML (JSON is YAML too), every error naming its field and line.
///
/// ```yaml
/// name: promotion-online
/// source: http://127.0.0.1:5000/api/v1/data
/// pages_per_batch: 10
/// register_every: 50
/// colliders: [promoted]
/// models:
///   - {name: promotion-sgd, kind: online_logistic, target: promoted,
///      features: [network_ability, competence], hyperparameters: {eta0: 0.1}}
///   - {name: network-competence, kind: online_linear, target: network_ability, features: [competence]}
///   - {name: network-promoted-only, kind: online_linear, target: network_ability,
///      features: [competence], only: {promoted: 1}}
/// ```
extension OnlineSpec {
    public static func load(path: String) throws -> OnlineSpec {
        try parse(try NodeReader.text(path: path), file: path)
    }

    public static func parse(_ text: String, file: String? = nil) throws -> OnlineSpec {
        let root = try NodeReader.compose(text, file: file)
        let reader = NodeReader(file: file)
        let top = try reader.mapping(root, "spec")
        try reader.allow(
            top,
            ["name", "source", "pages_per_batch", "register_every", "client_error_ends_data", "models", "colliders"],
            "spec")
        let name = try reader.string(try reader.required(top, "name", in: root), "name")
        let list = try reader.required(top, "models", in: root)
        guard let entries = list.sequence, !entries.isEmpty else {
            throw reader.error(
                list, "models",
                "must be a list of models, e.g. [{name: m, kind: online_linear, target: y, features: [x]}]")
        }
        let models = try entries.enumerated().map { i, entry in
            let field = "models[\(i)]"
            let map = try reader.mapping(entry, field)
            try reader.allow(map, ["name", "kind", "target", "features", "hyperparameters", "only"], field)
            let kindName = try reader.string(try reader.required(map, "kind", in: entry), "\(field).kind")
            guard let kind = ModelKind(rawValue: kindName) else {
                throw reader.error(
                    map["kind"]!, "\(field).kind",
                    "unknown kind '\(kindName)'; online kinds: \(ModelKind.onlineCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            var model = OnlineSpec.Model(
                name: try reader.string(try reader.required(map, "name", in: entry), "\(field).name"), kind: kind,
                target: try reader.string(try reader.required(map, "target", in: entry), "\(field).target"),
                features: try reader.strings(try reader.required(map, "features", in: entry), "\(field).features"))
            if let node = map["hyperparameters"] {
                model.hyperparameters = try reader.hyperparameters(node, "\(field).hyperparameters")
            }
            if let node = map["only"] {
                for (column, value) in try reader.mapping(node, "\(field).only") {
                    model.only[column] = try reader.number(value, "\(field).only.\(column)")
                }
            }
            return model
        }
        var spec = OnlineSpec(name: name, models: models)
        if let node = top["source"] { spec.source = try reader.string(node, "source") }
        if let node = top["pages_per_batch"] { spec.pagesPerBatch = try reader.integer(node, "pages_per_batch") }
        if let node = top["register_every"] { spec.registerEvery = try reader.integer(node, "register_every") }
        if let node = top["client_error_ends_data"] {
            spec.clientErrorEndsData = try reader.bool(node, "client_error_ends_data")
        }
        if let node = top["colliders"] { spec.colliders = try reader.strings(node, "colliders") }
        do {
            try spec.validate()
        } catch var error as SpecError {
            error.file = file
            error.line =
                reader.line(of: error.field) ?? top[String(error.field.prefix { $0 != "." && $0 != "[" })]?.mark?.line
            throw error
        }
        return spec
    }
}
