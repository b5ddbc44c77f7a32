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
extension TrainingSpec {
    public static func load(path: String) throws -> TrainingSpec {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SpecError(file: path, field: "file", message: "cannot read the spec file (missing or unreadable)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SpecError(file: path, field: "file", message: "the spec file is not UTF-8 text")
        }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String? = nil) throws -> TrainingSpec {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw SpecError(file: file, line: 1, field: "spec", message: "the spec is empty")
            }
            root = node
        } catch let error as YamlError {
            throw SpecError(file: file, line: Self.line(of: error), field: "syntax", message: Self.problem(of: error))
        }
        let reader = NodeReader(file: file)
        let top = try reader.mapping(root, "spec")
        try reader.allow(
            top, ["name", "kind", "query", "target", "features", "split", "cv", "hyperparameters", "grid", "search"],
            "spec")
        let kindNode = try reader.required(top, "kind", in: root)
        let kindText = try reader.string(kindNode, "kind")
        guard let kind = ModelKind(rawValue: kindText) else {
            throw reader.error(
                kindNode, "kind",
                "unknown kind '\(kindText)'; valid: \(ModelKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var spec = TrainingSpec(
            name: try reader.string(try reader.required(top, "name", in: root), "name"), kind: kind,
            query: try reader.string(try reader.required(top, "query", in: root), "query"),
            target: try reader.string(try reader.required(top, "target", in: root), "target"))
        if let features = top["features"] {
            let map = try reader.mapping(features, "features")
            try reader.allow(map, ["numeric", "categorical"], "features")
            spec.features = FeatureSchema(
                numeric: try map["numeric"].map { try reader.strings($0, "features.numeric") } ?? [],
                categorical: try map["categorical"].map { try reader.strings($0, "features.categorical") } ?? [])
            if spec.features!.all.isEmpty {
                throw reader.error(features, "features", "lists no features")
            }
            if let duplicate = Dictionary(grouping: spec.features!.all, by: { $0 }).first(where: { $0.value.count > 1 }
            )?.key {
                throw reader.error(features, "features", "lists '\(duplicate)' twice")
            }
        }
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
        var sets: [Hyperparameters] = []
        if let list = top["hyperparameters"] {
            guard let sequence = list.sequence else {
                throw reader.error(list, "hyperparameters", "must be a list of sets, e.g. [{C: 1.0}, {C: 0.1}]")
            }
            for (i, item) in sequence.enumerated() {
                sets.append(try reader.hyperparameters(item, "hyperparameters[\(i)]", kind: kind))
            }
        }
        if let grid = top["grid"] {
            sets += try reader.grid(grid, kind: kind)
        }
        if !sets.isEmpty { spec.hyperparameterSets = sets }
        if let node = top["search"] { spec.search = try reader.search(node, kind: kind, base: spec.hyperparameterSets[0]) }
        do {
            try spec.validate()
        } catch var error as SpecError {
            error.file = file
            if error.line == nil { error.line = top[error.field.components(separatedBy: ".").first ?? ""]?.mark?.line }
            throw error
        }
        return spec
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        default: nil
        }
    }

    private static func problem(of error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _):
            "not valid YAML: \(problem)"
        default: "not valid YAML: \(error)"
        }
    }
}

/// Typed reads from YAML nodes, each failure naming the field and its line.
private struct NodeReader {
    let file: String?

    func error(_ node: Node, _ field: String, _ message: String) -> SpecError {
        SpecError(file: file, line: node.mark?.line, field: field, message: message)
    }

    func mapping(_ node: Node, _ field: String) throws -> [String: Node] {
        guard let mapping = node.mapping else { throw error(node, field, "must be a mapping of keys to values") }
        var out: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.string else { throw error(key, field, "keys must be text") }
            out[name] = value
        }
        return out
    }

    func allow(_ map: [String: Node], _ keys: [String], _ field: String) throws {
        for (key, value) in map where !keys.contains(key) {
            let path = field == "spec" ? key : "\(field).\(key)"
            throw error(value, path, "unknown field; valid: \(keys.joined(separator: ", "))")
        }
    }

    func required(_ map: [String: Node], _ key: String, in parent: Node) throws -> Node {
        guard let node = map[key] else { throw error(parent, key, "is required") }
        return node
    }

    func string(_ node: Node, _ field: String) throws -> String {
        guard let scalar = node.scalar, !scalar.string.isEmpty else { throw error(node, field, "must be text") }
        return scalar.string
    }

    func strings(_ node: Node, _ field: String) throws -> [String] {
        guard let sequence = node.sequence else { throw error(node, field, "must be a list of column names") }
        return try sequence.map { try string($0, field) }
    }

    func number(_ node: Node, _ field: String) throws -> Double {
        guard let scalar = node.scalar, let value = Double(scalar.string), value.isFinite else {
            throw error(node, field, "must be a number")
        }
        return value
    }

    func bool(_ node: Node, _ field: String) throws -> Bool {
        guard let value = node.bool else { throw error(node, field, "must be true or false") }
        return value
    }

    func value(_ node: Node, _ field: String) throws -> HyperparameterValue {
        guard let scalar = node.scalar else { throw error(node, field, "must be a single value") }
        if scalar.style == .plain {
            if let b = node.bool { return .bool(b) }
            if let n = Double(scalar.string), n.isFinite { return .number(n) }
        }
        return .text(scalar.string)
    }

    func hyperparameters(_ node: Node, _ field: String, kind: ModelKind) throws -> Hyperparameters {
        var set: Hyperparameters = [:]
        for (key, value) in try mapping(node, field) { set[key] = try self.value(value, "\(field).\(key)") }
        do {
            _ = try ModelSettings(kind: kind, set)
        } catch let learning as LearningError {
            throw error(node, field, learning.message)
        }
        return set
    }

    /// Every combination of the grid's values, in a stable order (keys sorted).
    /// `search: {sampler, trials, seed, metric, validation: {fraction}, register, space: {name: {log_uniform: [a, b]}}}`;
    /// every space entry must be a hyperparameter of the kind, with values it accepts.
    func search(_ node: Node, kind: ModelKind, base: Hyperparameters) throws -> TrainingSpec.Search {
        let map = try mapping(node, "search")
        try allow(map, ["sampler", "trials", "seed", "metric", "validation", "space", "register"], "search")
        var search = TrainingSpec.Search()
        if let n = map["sampler"] {
            let text = try string(n, "search.sampler")
            guard let method = SearchSampler.Method(rawValue: text) else {
                throw error(n, "search.sampler", "must be random or tpe; got '\(text)'")
            }
            search.sampler = method
        }
        func whole(_ key: String, _ range: ClosedRange<Double>) throws -> Int? {
            guard let n = map[key] else { return nil }
            let v = try number(n, "search.\(key)")
            guard v == v.rounded(), range.contains(v) else {
                throw error(n, "search.\(key)", "must be a whole number from \(Int(range.lowerBound)) to \(Int(range.upperBound))")
            }
            return Int(v)
        }
        if let trials = try whole("trials", 1...10_000) { search.trials = trials }
        if let seed = try whole("seed", 0...1e15) { search.seed = UInt64(seed) }
        if let register = try whole("register", 1...10_000) { search.register = register }
        if let n = map["metric"] { search.metric = try string(n, "search.metric") }
        if let n = map["validation"] {
            let v = try mapping(n, "search.validation")
            try allow(v, ["fraction"], "search.validation")
            if let f = v["fraction"] {
                let fraction = try number(f, "search.validation.fraction")
                guard fraction > 0 && fraction < 1 else {
                    throw error(f, "search.validation.fraction", "must be between 0 and 1 (exclusive)")
                }
                search.validationFraction = fraction
            }
        }
        guard let spaceNode = map["space"] else { throw error(node, "search.space", "is required") }
        let space = try mapping(spaceNode, "search.space")
        let valid = Set(ModelSettings.validNames(for: kind))
        for (name, entry) in space {
            let field = "search.space.\(name)"
            guard valid.contains(name) else {
                throw error(entry, field, "\(kind) has no hyperparameter \(name); valid: \(valid.sorted().joined(separator: ", "))")
            }
            let spec = try mapping(entry, field)
            guard spec.count == 1, let (form, bounds) = spec.first else {
                throw error(entry, field, "give one of log_uniform, uniform, int, choice")
            }
            let distribution: SearchDistribution
            switch form {
            case "choice":
                guard let items = bounds.sequence, !items.isEmpty else { throw error(bounds, field, "choice needs a list") }
                distribution = .choice(try items.map { try value($0, field) })
            case "log_uniform", "uniform", "int":
                guard let items = bounds.sequence, items.count == 2 else {
                    throw error(bounds, field, "\(form) needs [low, high]")
                }
                let low = try number(items[0], field)
                let high = try number(items[1], field)
                guard low < high, low.isFinite, high.isFinite else { throw error(bounds, field, "needs low < high") }
                switch form {
                case "log_uniform":
                    guard low > 0 else { throw error(bounds, field, "log_uniform needs low > 0") }
                    distribution = .logUniform(low, high)
                case "uniform": distribution = .uniform(low, high)
                default:
                    guard low == low.rounded(), high == high.rounded() else {
                        throw error(bounds, field, "int needs whole numbers")
                    }
                    distribution = .int(Int(low), Int(high))
                }
            default:
                throw error(entry, field, "unknown distribution '\(form)'; use log_uniform, uniform, int or choice")
            }
            // Both ends (or every choice) must be values the kind accepts.
            let probes: [HyperparameterValue]
            switch distribution {
            case .uniform(let a, let b), .logUniform(let a, let b): probes = [.number(a), .number(b)]
            case .int(let a, let b): probes = [.number(Double(a)), .number(Double(b))]
            case .choice(let options): probes = options
            }
            for probe in probes {
                var set = base
                set[name] = probe
                do {
                    _ = try ModelSettings(kind: kind, set)
                } catch let problem as LearningError {
                    throw error(entry, field, problem.message)
                }
            }
            search.space[name] = distribution
        }
        return search
    }

    func grid(_ node: Node, kind: ModelKind) throws -> [Hyperparameters] {
        let map = try mapping(node, "grid")
        var sets: [Hyperparameters] = [[:]]
        for key in map.keys.sorted() {
            let valueNode = map[key]!
            let values: [HyperparameterValue] =
                if let sequence = valueNode.sequence {
                    try sequence.map { try value($0, "grid.\(key)") }
                } else {
                    [try value(valueNode, "grid.\(key)")]
                }
            guard !values.isEmpty else { throw error(valueNode, "grid.\(key)", "lists no values") }
            sets = sets.flatMap { set in values.map { v in set.merging([key: v]) { $1 } } }
        }
        guard sets.count <= 1_000 else { throw error(node, "grid", "expands to \(sets.count) sets; at most 1000") }
        for set in sets {
            do {
                _ = try ModelSettings(kind: kind, set)
            } catch let learning as LearningError {
                throw error(node, "grid", learning.message)
            }
        }
        return sets
    }
}
