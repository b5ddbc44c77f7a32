import Foundation
public import Learning

/// What a spec's colliders mean for its regressions: a collider is caused by the target and
/// the features, so a regression that adjusts for it (as a feature) or keeps only some of its
/// values (`only:`) shows an association between its causes that is not there (Berkson's
/// paradox); the regression of the same target on the same features without it is the one
/// to believe.
public struct ColliderNote: Sendable, Equatable {
    public let collider: String
    /// The term both kinds of regression estimate (say competence's slope).
    public let term: String
    /// Regressions that leave the collider out: believe these.
    public let believe: [String]
    /// Regressions that condition on it: biased.
    public let biased: [String]
    public let text: String
}

extension OnlineSpec {
    /// One note per collider that some regression conditions on, with the slopes as they
    /// stand (`estimates` by model name; absent models are described without numbers).
    public func colliderNotes(estimates: [String: [TermEstimate]]) -> [ColliderNote] {
        var notes: [ColliderNote] = []
        for collider in colliders {
            let regressions = models.filter { $0.kind.task == .regression && $0.target != collider }
            let conditioned = regressions.filter { $0.features.contains(collider) || $0.only[collider] != nil }
            let clean = regressions.filter { !$0.features.contains(collider) && $0.only[collider] == nil }
            guard !conditioned.isEmpty else { continue }
            let shared = conditioned.flatMap(\.features).filter { $0 != collider }
            guard
                let term = shared.first(where: { name in clean.contains { $0.features.contains(name) } })
                    ?? shared.first
            else { continue }
            func slope(_ model: OnlineSpec.Model) -> String {
                guard let estimate = estimates[model.name]?.first(where: { $0.term == term }) else {
                    return "\(model.name) (\(model.formula))"
                }
                var text = "\(model.name) (\(model.formula)): \(term) \(Self.shown(estimate.value))"
                if let low = estimate.low, let high = estimate.high {
                    text += ", 95% CI \(Self.shown(low)) to \(Self.shown(high))"
                }
                if let p = estimate.pValue { text += p < 0.001 ? ", p < 0.001" : ", p = \(Self.shownP(p))" }
                return text
            }
            let target = conditioned[0].target
            var text =
                "\(collider) is a collider: it is caused by \(target) and \(term) (it is listed under colliders), "
                + "so a regression that adjusts for it or keeps only some of its values opens a path between its causes "
                + "and shows an association that is not there (Berkson's paradox). Biased: "
                + conditioned.map(slope).joined(separator: "; ") + "."
            if clean.isEmpty {
                text += " No model leaves \(collider) out: add \(target) ~ \(term) to estimate the effect itself."
            } else {
                text +=
                    " Believe " + clean.map(slope).joined(separator: "; ")
                    + ": it leaves the collider out, so it estimates the relationship in the population."
            }
            notes.append(
                ColliderNote(
                    collider: collider, term: term, believe: clean.map(\.name), biased: conditioned.map(\.name),
                    text: text))
        }
        return notes
    }

    static func shown(_ value: Double) -> String { String(format: "%.3f", value) }

    static func shownP(_ p: Double) -> String { p < 0.001 ? "< 0.001" : String(format: "%.3f", p) }
}
