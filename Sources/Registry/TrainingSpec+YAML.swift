import Foundation
import Learning
import Yams

/// Reads a spec from YAML (JSON is YAML too), keeping line numbers for every error.
///
/// ```yaml
/// name: click
/// kind: logistic
/// query: SELECT ... FROM offers JOIN leads USING (lead_uuid)
/// target: clicked
/// features: {numeric: [apr, credit], categorical: [loan_purpose]}
/// split: {test_fraction: 0.2, seed: 42, stratify: true}
/// cv: {folds: 5}
/// hyperparameters:            # a list of sets ...
///   - {penalty: l2, C: 1.0}
/// grid: {C: [0.1, 1.0]}       # ... or a grid: every combination
/// ```
///
/// Several models of one name compete for production on the same held-out rows:
///
/// ```yaml
/// name: diamonds
/// query: SELECT ...
/// target: price
/// features: {numeric: [carat, depth], categorical: [cut]}   # the models' default
/// promote: mae                 # what --promote ranks by (default: the task's headline)
/// description: Prices of round diamonds   # for the model card, with intended_use and colliders
/// clean: {drop_duplicates: true, where: "price > 0"}   # rows left out before training
/// on_suspicious: warn          # fail | warn | drop, when the profile finds suspicious rows
/// models:
///   - {kind: linear, features: {numeric: [carat]}, hyperparameters: [{method: ols}]}
///   - {kind: gbdt}
///   - {kind: gbdt, search: {trials: 100, space: {max_depth: {int: [3, 9]}}}}
/// ```
extension TrainingSpec {
    public static func load(path: String) throws -> TrainingSpec {
        try parse(try NodeReader.text(path: path), file: path)
    }

    public static func parse(_ text: String, file: String? = nil) throws -> TrainingSpec {
        let root = try NodeReader.compose(text, file: file)
        let reader = NodeReader(file: file)
        let top = try reader.mapping(root, "spec")
        let modelKeys = ["kind", "features", "hyperparameters", "grid", "search"]
        try reader.allow(
            top,
            [
                "name", "kind", "query", "target", "features", "split", "cv", "hyperparameters", "grid", "search",
                "promote", "models", "similar", "description", "intended_use", "colliders", "clean", "on_suspicious",
            ], "spec")
        let name = try reader.string(try reader.required(top, "name", in: root), "name")
        var models: [TrainingSpec.Candidate]
        if let list = top["models"] {
            // Several models: each entry is a kind with its sets; the spec's features are the default.
            for key in ["kind", "hyperparameters", "grid", "search"] where top[key] != nil {
                throw reader.error(top[key]!, key, "with models:, give \(key) in each model's entry")
            }
            guard let sequence = list.sequence, !sequence.isEmpty else {
                throw reader.error(list, "models", "must be a list of models, e.g. [{kind: linear}, {kind: gbdt}]")
            }
            models = try sequence.enumerated().map { i, entry in
                let map = try reader.mapping(entry, "models[\(i)]")
                try reader.allow(map, modelKeys, "models[\(i)]")
                return try reader.candidate(map, entry, "models[\(i)].")
            }
        } else {
            var single = try reader.candidate(top, root, "")
            single.features = nil
            models = [single]
        }
        var spec = TrainingSpec(
            name: name, kind: .linear, query: try reader.string(try reader.required(top, "query", in: root), "query"),
            target: try reader.string(try reader.required(top, "target", in: root), "target"))
        spec.models = models
        if let features = top["features"] { spec.features = try reader.features(features, "features") }
        if let split = top["split"] {
            let map = try reader.mapping(split, "split")
            try reader.allow(map, ["test_fraction", "seed", "stratify"], "split")
            if let node = map["test_fraction"] {
                spec.split.testFraction = try reader.number(node, "split.test_fraction")
            }
            if let node = map["seed"] {
                let seed = try reader.number(node, "split.seed")
                guard seed >= 0, seed == seed.rounded(), seed < 1e18 else {
                    throw reader.error(node, "split.seed", "must be a whole number >= 0")
                }
                spec.split.seed = UInt64(seed)
            }
            if let node = map["stratify"] { spec.split.stratify = try reader.bool(node, "split.stratify") }
        }
        if let cv = top["cv"] {
            let map = try reader.mapping(cv, "cv")
            try reader.allow(map, ["folds"], "cv")
            if let node = map["folds"] {
                let folds = try reader.number(node, "cv.folds")
                guard folds == folds.rounded(), folds >= 2, folds <= 100 else {
                    throw reader.error(node, "cv.folds", "must be a whole number from 2 to 100")
                }
                spec.crossValidationFolds = Int(folds)
            }
        }
        if let node = top["promote"] { spec.promotionMetric = try reader.string(node, "promote") }
        if let node = top["similar"] {
            let map = try reader.mapping(node, "similar")
            try reader.allow(map, ["match", "nearest", "columns"], "similar")
            spec.similar = SimilarSpec(
                match: try map["match"].map { try reader.strings($0, "similar.match") } ?? [],
                nearest: try map["nearest"].map { try reader.strings($0, "similar.nearest") } ?? [],
                columns: try map["columns"].map { try reader.strings($0, "similar.columns") } ?? [])
        }
        if let node = top["description"] { spec.card.description = try reader.string(node, "description") }
        if let node = top["intended_use"] { spec.card.intendedUse = try reader.string(node, "intended_use") }
        if let node = top["colliders"] { spec.card.colliders = try reader.strings(node, "colliders") }
        if let node = top["clean"] {
            let map = try reader.mapping(node, "clean")
            try reader.allow(map, ["drop_duplicates", "where"], "clean")
            if let flag = map["drop_duplicates"] {
                spec.clean.dropDuplicates = try reader.bool(flag, "clean.drop_duplicates")
            }
            if let filter = map["where"] { spec.clean.filter = try reader.string(filter, "clean.where") }
        }
        if let node = top["on_suspicious"] {
            let text = try reader.string(node, "on_suspicious")
            guard let policy = SuspiciousPolicy(rawValue: text) else {
                throw reader.error(
                    node, "on_suspicious",
                    "must be one of \(SuspiciousPolicy.allCases.map(\.rawValue).joined(separator: ", ")); got '\(text)'"
                )
            }
            spec.onSuspicious = policy
        }
        do {
            try spec.validate()
        } catch var error as SpecError {
            error.file = file
            // A list of one model reads as a single model, whose fields validate names unprefixed.
            if error.line == nil {
                error.line =
                    top[error.field]?.mark?.line ?? reader.line(of: error.field)
                    ?? reader.line(of: "models[0]." + error.field)
            }
            throw error
        }
        return spec
    }

}

extension NodeReader {
    /// One model: `kind` (required), and optionally `features`, `hyperparameters` (a list of
    /// sets), `grid` (every combination) and `search`; `prefix` locates its fields.
    func candidate(_ map: [String: Node], _ node: Node, _ prefix: String) throws -> TrainingSpec.Candidate {
        let kindNode = try required(map, "kind", in: node)
        let kindText = try string(kindNode, "\(prefix)kind")
        guard let kind = ModelKind(rawValue: kindText) else {
            throw error(
                kindNode, "\(prefix)kind",
                "unknown kind '\(kindText)'; valid: \(ModelKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var model = TrainingSpec.Candidate(kind: kind)
        if let features = map["features"] { model.features = try self.features(features, "\(prefix)features") }
        var sets: [Hyperparameters] = []
        if let list = map["hyperparameters"] {
            guard let sequence = list.sequence else {
                throw error(list, "\(prefix)hyperparameters", "must be a list of sets, e.g. [{C: 1.0}, {C: 0.1}]")
            }
            for (i, item) in sequence.enumerated() {
                sets.append(try hyperparameters(item, "\(prefix)hyperparameters[\(i)]"))
            }
        }
        if let grid = map["grid"] { sets += try self.grid(grid, "\(prefix)grid") }
        if !sets.isEmpty { model.hyperparameterSets = sets }
        if let search = map["search"] {
            model.search = try self.search(search, "\(prefix)search")
        }
        return model
    }

    func value(_ node: Node, _ field: String) throws -> HyperparameterValue {
        guard let scalar = node.scalar else { throw error(node, field, "must be a single value") }
        if scalar.style == .plain {
            if let b = node.bool { return .bool(b) }
            if let n = Double(scalar.string), n.isFinite { return .number(n) }
        }
        return .text(scalar.string)
    }

    func hyperparameters(_ node: Node, _ field: String) throws -> Hyperparameters {
        var set: Hyperparameters = [:]
        for (key, value) in try mapping(node, field) { set[key] = try self.value(value, "\(field).\(key)") }
        return set
    }

    /// `search: {sampler, trials, seed, metric, validation: {fraction}, register, pruner, space: {name: {log_uniform: [a, b]}}}`.
    func search(_ node: Node, _ field: String) throws -> TrainingSpec.Search {
        let map = try mapping(node, field)
        try allow(
            map, ["sampler", "trials", "seed", "metric", "validation", "cv", "space", "register", "pruner"], field)
        var search = TrainingSpec.Search()
        if let n = map["sampler"] {
            let text = try string(n, "\(field).sampler")
            guard let method = SearchSampler.Method(rawValue: text) else {
                throw error(n, "\(field).sampler", "must be random or tpe; got '\(text)'")
            }
            search.sampler = method
        }
        func whole(_ key: String, _ range: ClosedRange<Double>) throws -> Int? {
            guard let n = map[key] else { return nil }
            let v = try number(n, "\(field).\(key)")
            guard v == v.rounded(), range.contains(v) else {
                throw error(
                    n, "\(field).\(key)",
                    "must be a whole number from \(Int(range.lowerBound)) to \(Int(range.upperBound))")
            }
            return Int(v)
        }
        if let trials = try whole("trials", 1...10_000) { search.trials = trials }
        if let seed = try whole("seed", 0...1e15) { search.seed = UInt64(seed) }
        if let register = try whole("register", 1...10_000) { search.register = register }
        if let n = map["metric"] { search.metric = try string(n, "\(field).metric") }
        if let n = map["pruner"] {
            let text = try string(n, "\(field).pruner")
            guard let pruner = TrainingSpec.Search.Pruner(rawValue: text) else {
                throw error(n, "\(field).pruner", "must be none or median; got '\(text)'")
            }
            search.pruner = pruner
        }
        func seed(_ node: Node, _ name: String) throws -> UInt64 {
            let value = try number(node, name)
            guard value >= 0, value == value.rounded(), value < 1e15 else {
                throw error(node, name, "must be a whole number >= 0")
            }
            return UInt64(value)
        }
        if let n = map["validation"] {
            let v = try mapping(n, "\(field).validation")
            try allow(v, ["fraction", "seed"], "\(field).validation")
            if let f = v["fraction"] {
                let fraction = try number(f, "\(field).validation.fraction")
                guard fraction > 0 && fraction < 1 else {
                    throw error(f, "\(field).validation.fraction", "must be between 0 and 1 (exclusive)")
                }
                search.validationFraction = fraction
            }
            if let s = v["seed"] { search.validationSeed = try seed(s, "\(field).validation.seed") }
        }
        if let n = map["cv"] {
            if let v = map["validation"] {
                throw error(v, "\(field).validation", "give validation (one hold-out) or cv (k folds), not both")
            }
            let cv = try mapping(n, "\(field).cv")
            try allow(cv, ["folds", "seed"], "\(field).cv")
            let folds = try number(try required(cv, "folds", in: n), "\(field).cv.folds")
            guard folds == folds.rounded(), (2...20).contains(folds) else {
                throw error(n, "\(field).cv.folds", "must be a whole number from 2 to 20")
            }
            search.folds = Int(folds)
            if let s = cv["seed"] { search.validationSeed = try seed(s, "\(field).cv.seed") }
        }
        guard let spaceNode = map["space"] else { throw error(node, "\(field).space", "is required") }
        let space = try mapping(spaceNode, "\(field).space")
        for (name, entry) in space {
            let entryField = "\(field).space.\(name)"
            let spec = try mapping(entry, entryField)
            guard spec.count == 1, let (form, bounds) = spec.first else {
                throw error(entry, entryField, "give one of log_uniform, uniform, int, choice")
            }
            let distribution: SearchDistribution
            switch form {
            case "choice":
                guard let items = bounds.sequence, !items.isEmpty else {
                    throw error(bounds, entryField, "choice needs a list")
                }
                distribution = .choice(try items.map { try value($0, entryField) })
            case "log_uniform", "uniform", "int":
                guard let items = bounds.sequence, items.count == 2 else {
                    throw error(bounds, entryField, "\(form) needs [low, high]")
                }
                let low = try number(items[0], entryField)
                let high = try number(items[1], entryField)
                guard low < high, low.isFinite, high.isFinite else {
                    throw error(bounds, entryField, "needs low < high")
                }
                switch form {
                case "log_uniform":
                    guard low > 0 else { throw error(bounds, entryField, "log_uniform needs low > 0") }
                    distribution = .logUniform(low, high)
                case "uniform": distribution = .uniform(low, high)
                default:
                    guard low == low.rounded(), high == high.rounded() else {
                        throw error(bounds, entryField, "int needs whole numbers")
                    }
                    distribution = .int(Int(low), Int(high))
                }
            default:
                throw error(
                    entry, entryField, "unknown distribution '\(form)'; use log_uniform, uniform, int or choice")
            }
            search.space[name] = distribution
        }
        return search
    }

    func grid(_ node: Node, _ field: String) throws -> [Hyperparameters] {
        let map = try mapping(node, field)
        var values: [String: [HyperparameterValue]] = [:]
        for (key, valueNode) in map {
            values[key] =
                if let sequence = valueNode.sequence {
                    try sequence.map { try value($0, "\(field).\(key)") }
                } else {
                    [try value(valueNode, "\(field).\(key)")]
                }
            guard !values[key]!.isEmpty else { throw error(valueNode, "\(field).\(key)", "lists no values") }
        }
        let count = values.values.reduce(1) { $0 * $1.count }
        guard count <= maximumGridSets else {
            throw error(node, field, "expands to \(count) sets; at most \(maximumGridSets)")
        }
        return hyperparameterGrid(values)
    }
}
