import Foundation
import Learning

/// A data profile as text for a terminal: the shape of the result, a table of the number
/// columns and one of the text columns, the suspicious values with their rules, the
/// association of each column with the target, and the strongest correlations.
enum ProfileReport {
    static func text(_ profile: DataProfile) -> String {
        var out: [String] = []
        let sampled =
            profile.sampleRows < profile.rows
            ? "pairwise figures on a uniform sample of \(profile.sampleRows.formatted()) rows"
            : "pairwise figures on every row"
        out.append(
            "\(profile.rows.formatted()) rows × \(profile.columns.count) columns · \(plural(profile.duplicateRows, "duplicate row")) · \(sampled)"
        )
        let numeric = profile.columns.filter { $0.numbers != nil }
        if !numeric.isEmpty {
            var table = TextTable([
                "number", "count", "nulls", "distinct", "mean", "sd", "min", "1%", "25%", "50%", "75%", "99%", "max",
                "zeros", "negative",
            ])
            for column in numeric {
                let n = column.numbers!
                table.add(
                    [
                        column.name + (column.type == .mixed ? " (mixed)" : ""), n.count.formatted(),
                        column.nulls.formatted(), distinct(column),
                    ]
                        + [n.mean, n.sd].map(metricText) + [n.min].map(metricText)
                        + [0.01, 0.25, 0.5, 0.75, 0.99].map { metricText(n.quantile($0)) }
                        + [metricText(n.max), n.zeros.formatted(), n.negatives.formatted()])
            }
            out.append("")
            out.append(table.rendered)
            if let error = numeric.map({ $0.numbers!.rankError }).max(), error > 0 {
                out.append(
                    "quantiles from a sketch: ranks within ±\(String(format: "%.1f", 100 * error))% of the count")
            }
        }
        let text = profile.columns.filter { $0.levels != nil }
        if !text.isEmpty {
            var table = TextTable(["text", "count", "nulls", "distinct", "most frequent"])
            for column in text {
                let levels = column.levels!
                let total = max(1, column.count)
                let top = levels.top.prefix(5).map {
                    "\($0.value) \(String(format: "%.1f", 100 * Double($0.count) / Double(total)))%"
                }.joined(separator: ", ")
                table.add([column.name, column.count.formatted(), column.nulls.formatted(), distinct(column), top])
            }
            out.append("")
            out.append(table.rendered)
        }
        out.append("")
        if profile.findings.isEmpty {
            out.append("suspicious values: none found")
        } else {
            out.append("suspicious values:")
            for finding in profile.findings { out.append("  [\(finding.rule.rawValue)] \(finding.message)") }
        }
        if let target = profile.target, !profile.targetAssociations.isEmpty {
            out.append("")
            var table = TextTable(["with \(target)", "pearson", "spearman", "eta", "cramér's v"])
            for a in profile.targetAssociations {
                table.add([
                    a.column, metricText(a.pearson), metricText(a.spearman), metricText(a.eta), metricText(a.cramersV),
                ])
            }
            out.append(table.rendered)
        }
        let pairs = strongPairs(profile)
        if !pairs.isEmpty {
            out.append("")
            out.append("strongest correlations (|spearman| ≥ 0.7):")
            for (a, b, pearson, spearman) in pairs.prefix(12) {
                out.append("  \(a) ~ \(b): spearman \(metricText(spearman)), pearson \(metricText(pearson))")
            }
        }
        return out.joined(separator: "\n")
    }

    static func strongPairs(_ profile: DataProfile) -> [(String, String, Double?, Double)] {
        guard let spearman = profile.spearman else { return [] }
        var pairs: [(String, String, Double?, Double)] = []
        for (i, a) in spearman.columns.enumerated() {
            for (j, b) in spearman.columns.enumerated() where j > i {
                guard let rho = spearman.values[i][j], abs(rho) >= 0.7 else { continue }
                pairs.append((a, b, profile.pearson?.value(a, b), rho))
            }
        }
        return pairs.sorted { abs($0.3) > abs($1.3) }
    }

    private static func distinct(_ column: DataProfile.Column) -> String {
        (column.distinctExact ? "" : "≈") + column.distinct.formatted()
    }

    private static func plural(_ n: Int, _ noun: String) -> String { "\(n.formatted()) \(noun)\(n == 1 ? "" : "s")" }
}
