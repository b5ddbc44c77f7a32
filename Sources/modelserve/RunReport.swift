import Foundation
import Learning
import Registry

/// An online run as text: where it is, each model's terms and progressive metrics as they
/// stand at the last checkpoint, and what the colliders mean for the regressions. `ingest`
/// prints it at the end and `runs show` on demand.
enum RunReport {
    static func text(_ run: TrainingRuns.Run, last: TrainingRuns.Checkpoint?) -> String {
        var lines = [
            "run \(run.id) (\(run.name)): \(run.status.rawValue), \(run.batches.formatted()) batches, "
                + "\(run.rowsSeen.formatted()) rows, learnt through page \(run.nextPage) row \(run.pageOffset)",
            "source: \(run.source)",
        ]
        if let error = run.error { lines.append("error: \(error)") }
        guard let last else { return (lines + ["no batch learnt yet"]).joined(separator: "\n") }
        let byName = Dictionary(uniqueKeysWithValues: last.models.map { ($0.name, $0) })
        for model in run.spec.models {
            guard let state = byName[model.name] else { continue }
            var heading = "\n\(model.name): \(model.kind) \(model.formula), \(state.rows.formatted()) rows"
            if let id = state.modelID, let version = state.version { heading += ", version \(version) (id \(id))" }
            lines.append(heading)
            var terms = TextTable(["term", "estimate", "std err", "p", "95% CI"])
            for term in state.terms {
                terms.add([
                    term.term, shown(term.value), term.standardError.map(shown) ?? "-",
                    term.pValue.map { $0 < 0.001 ? "<0.001" : String(format: "%.3f", $0) } ?? "-",
                    term.low.flatMap { low in term.high.map { "\(shown(low)) to \(shown($0))" } } ?? "-",
                ])
            }
            lines.append(terms.rendered)
            let task = model.kind.task
            let metrics = task.keyMetrics.compactMap { name in state.cumulative[name].map { "\(name) \(shown($0))" } }
            if !metrics.isEmpty {
                lines.append("progressive (each batch scored before it was learnt): " + metrics.joined(separator: ", "))
            }
        }
        let notes = run.spec.colliderNotes(estimates: byName.mapValues(\.terms))
        for note in notes { lines.append("\n" + note.text) }
        return lines.joined(separator: "\n")
    }

    static func shown(_ value: Double) -> String {
        abs(value) >= 1e5 || (abs(value) < 1e-3 && value != 0)
            ? String(format: "%.3e", value) : String(format: "%.4f", value)
    }
}
