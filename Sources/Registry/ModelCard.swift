public import Foundation
public import Learning

/// Everything a person needs to judge one version, in one document: the version's record
/// (metrics, coefficients with inference or tree importance, hyperparameters, provenance),
/// what it is for, the profile of the rows it was trained from, what cleaning did, the
/// metrics' definitions, the search that chose it, the name's assignment history, live
/// quality once feedback exists, and the caveats the data shows. `GET /models/{id}` in a
/// browser and `modelserve models card` render it.
public struct ModelCard: Sendable, Encodable {
    public var detail: ModelDocuments.Detail
    public var record: ModelRecord
    public var profile: DataProfile?
    public var trials: [Trial]?
    public var assignments: [ModelDocuments.AssignmentDocument]
    /// Live quality and calibration on feedback; nil until a label has come.
    public var monitoring: VersionMonitoring?
    public var caveats: [String]

    public struct Trial: Sendable, Encodable {
        public var number: Int
        public var metric: String
        public var score: Double?
        public var state: String
        public var parameters: Hyperparameters
        public var modelID: Int64?

        enum CodingKeys: String, CodingKey {
            case number, metric, score, state, parameters, modelID = "model_id"
        }
    }

    /// `withQuery`: include the training query (admins only over HTTP).
    public init(registry: ModelRegistry, id: Int64, withQuery: Bool, now: Date = Date()) throws {
        record = try registry.record(id: id)
        detail = try ModelDocuments.Detail(record, withQuery: withQuery)
        profile = try record.dataProfileID.map { try DataProfiles(registry.database).profile(id: $0).profile }
        let search = try registry.search(producing: id)
        trials = search.map { list in
            list.map {
                Trial(
                    number: $0.number, metric: $0.metric, score: $0.score, state: $0.state, parameters: $0.parameters,
                    modelID: $0.modelID)
            }
        }
        let versions = Dictionary(try registry.list(name: record.name).map { ($0.id, $0.version) }) { a, _ in a }
        assignments = try registry.assignments(name: record.name).map {
            ModelDocuments.AssignmentDocument($0, version: versions[$0.toModelID] ?? 0)
        }
        let monitoring = try? VersionMonitoring(registry: registry, modelID: id, window: 7 * 86_400, now: now)
        self.monitoring = (monitoring?.live.all.rows ?? 0) > 0 ? monitoring : nil
        caveats = Self.caveats(record, profile: profile, hasCoefficients: detail.importance == nil)
    }

    /// What the data and the spec say to be careful about.
    static func caveats(_ record: ModelRecord, profile: DataProfile?, hasCoefficients: Bool) -> [String] {
        var out: [String] = []
        if let cleaning = record.card?.cleaning, !cleaning.findings.isEmpty {
            let handled =
                switch cleaning.onSuspicious {
                case .drop: "\(cleaning.suspiciousDropped.formatted()) suspicious rows were dropped before fitting"
                case .warn, .fail: "the model was trained on these rows as they are (on_suspicious: warn)"
                }
            out.append(
                "The training rows had suspicious values (\(cleaning.findings.count) finding\(cleaning.findings.count == 1 ? "" : "s"), listed under Data); \(handled)."
            )
        }
        if record.metrics.evaluatedOn == "train" {
            out.append("The metrics are on the training rows (test_fraction 0): they flatter the model.")
        }
        let features = record.featureSchema
        if let pearson = profile?.pearson {
            for group in Self.collinearGroups(features.numeric.filter { pearson.columns.contains($0) }, pearson) {
                let rs = group.pairs.map { String(format: "%.3f", abs($0)) }
                let range = rs.count == 1 ? "r = \(rs[0])" : "pairwise |r| \(rs.min()!) to \(rs.max()!)"
                let names = Self.list(group.columns)
                out.append(
                    hasCoefficients
                        ? "\(names) are collinear (\(range)): their coefficients share what they explain and their standard errors grow; read them together, not one by one."
                        : "\(names) are collinear (\(range)): the trees split on any of them, so their importance is shared out among them and no one's alone says how much the model relies on what they measure."
                )
            }
        }
        if record.task == .binaryClassification, let target = profile?.target,
            let share = profile?.column(target)?.numbers?.mean, share < 0.1 || share > 0.9
        {
            out.append(
                "The classes are imbalanced: \(String(format: "%.1f", 100 * share))% of the training rows are 1. Accuracy says little here; read roc_auc, log_loss, precision and recall, and pick the threshold for the cost of each error."
            )
        }
        for finding in profile?.findings ?? [] where finding.rule == .identifier {
            guard let column = finding.columns.first, features.all.contains(column) else { continue }
            out.append("\(column) differs in every row: as a feature it identifies rows rather than describing them.")
        }
        for collider in record.card?.colliders ?? [] {
            out.append(
                "\(collider) is marked a collider: it is caused both by features and by the outcome. Conditioning on it (as a feature, or by training only on rows where it holds) creates associations that are not causal; compare versions with and without it before reading any coefficient as an effect."
            )
        }
        return out
    }

    /// Features joined by |r| ≥ 0.9, directly or through each other, with the r of every
    /// strong pair in the group.
    static func collinearGroups(_ names: [String], _ pearson: DataProfile.Matrix) -> [(
        columns: [String], pairs: [Double]
    )] {
        var group = Array(names.indices)
        func root(_ i: Int) -> Int { group[i] == i ? i : root(group[i]) }
        var strong: [(Int, Int, Double)] = []
        for i in names.indices {
            for j in names.indices where j > i {
                guard let r = pearson.value(names[i], names[j]), abs(r) >= 0.9 else { continue }
                strong.append((i, j, r))
                group[root(j)] = root(i)
            }
        }
        var out: [Int: (columns: [String], pairs: [Double])] = [:]
        for (i, _, r) in strong { out[root(i), default: ([], [])].pairs.append(r) }
        for i in names.indices where out[root(i)] != nil { out[root(i)]!.columns.append(names[i]) }
        return out.keys.sorted().map { out[$0]! }
    }

    static func list(_ names: [String]) -> String {
        names.count <= 2
            ? names.joined(separator: " and ") : names.dropLast().joined(separator: ", ") + " and " + names.last!
    }

    enum CodingKeys: String, CodingKey {
        case version, task, description, intendedUse = "intended_use", cleaning, profile, metricDefinitions =
            "metric_definitions"
        case trials, assignments, monitoring, caveats
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(detail, forKey: .version)
        try c.encode(record.task.rawValue, forKey: .task)
        try c.encodeIfPresent(record.card?.description, forKey: .description)
        try c.encodeIfPresent(record.card?.intendedUse, forKey: .intendedUse)
        try c.encodeIfPresent(record.card?.cleaning, forKey: .cleaning)
        try c.encodeIfPresent(profile, forKey: .profile)
        var definitions: [String: String] = [:]
        for name in record.metrics.train.keys {
            if let metric = ModelTask.metric(named: name) { definitions[name] = metric.summary }
        }
        try c.encode(definitions, forKey: .metricDefinitions)
        try c.encodeIfPresent(trials, forKey: .trials)
        try c.encode(assignments, forKey: .assignments)
        try c.encodeIfPresent(monitoring, forKey: .monitoring)
        try c.encode(caveats, forKey: .caveats)
    }
}
