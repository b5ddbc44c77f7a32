import Foundation
import Learning
import Registry

/// The long-form text of `models show` and `models compare`.
enum ModelReport {
    /// `search`: the trials of the search the version came out of, if any.
    /// Why a version was trained, in a line.
    static func because(_ provenance: Provenance) -> String {
        var text = provenance.reason.phrase
        if provenance.reason == .dataChanged, let version = provenance.previousVersion {
            text +=
                " since version \(version)"
                + (provenance.previousFingerprint.map { " (fingerprint \($0.prefix(12)))" } ?? "")
        }
        return text
    }

    static func text(_ record: ModelRecord, search: [ModelRegistry.StoredTrial]? = nil) throws -> String {
        let model = try record.model()
        var lines: [String] = []
        lines.append(
            "\(record.name) version \(record.version) (id \(record.id))\(record.isProduction ? "  [production]" : "")")
        lines.append("kind:            \(record.kind.rawValue)")
        lines.append("hyperparameters: \(record.hyperparameters.summary)")
        lines.append(
            "created:         \(RecordTable.dateText(record.createdAt)) UTC, trained in \(String(format: "%.2f", record.trainingSeconds ?? 0)) s"
        )
        lines.append(
            "data:            \(record.rowCount.map { $0.formatted() } ?? "?") rows, fingerprint \(record.dataFingerprint ?? "-")"
        )
        lines.append(
            "features:        numeric \(record.featureSchema.numeric.joined(separator: ", "))"
                + (record.featureSchema.categorical.isEmpty
                    ? "" : "; categorical \(record.featureSchema.categorical.joined(separator: ", "))"))
        lines.append(
            "fit:             \(model.training.solver), \(model.training.iterations) iterations, converged: \(model.training.converged)"
        )
        if let provenance = record.provenance {
            lines.append("trained because: " + Self.because(provenance))
            if let comparison = provenance.comparison { lines.append("compared:        \(comparison.note)") }
        }
        for caveat in model.caveats { lines.append("note:            \(caveat)") }
        if let description = record.card?.description { lines.append("description:     \(description)") }
        if let use = record.card?.intendedUse { lines.append("intended use:    \(use)") }
        if let cleaning = record.card?.cleaning {
            lines += RecordTable.cleaning(cleaning).split(separator: "\n").map(String.init)
        }
        if let query = record.trainingQuery {
            lines.append("query:")
            lines += query.split(separator: "\n").map { "  " + $0 }
        }
        lines.append("")
        lines.append(
            "metrics (\(record.metrics.evaluatedOn == "test" ? "held-out test rows" : "training rows: test fraction was 0")):"
        )
        var metrics = TextTable([
            "metric", "train", record.metrics.test == nil ? "" : "test",
            record.metrics.crossValidation == nil ? "" : "cv mean",
            record.metrics.crossValidation == nil ? "" : "cv std",
        ])
        for key in record.metrics.train.keys.sorted() where key != "rows" {
            metrics.add([
                key, metricText(record.metrics.train[key]),
                record.metrics.test == nil ? "" : metricText(record.metrics.test?[key]),
                record.metrics.crossValidation == nil ? "" : metricText(record.metrics.crossValidation?.mean[key]),
                record.metrics.crossValidation == nil
                    ? "" : metricText(record.metrics.crossValidation?.standardDeviation[key]),
            ])
        }
        lines.append(metrics.rendered)
        if let search, let text = searchText(record, search) {
            lines.append("")
            lines.append(text)
        }
        lines.append("")
        lines.append(coefficientTable(model))
        return lines.joined(separator: "\n")
    }

    /// Which trial the version was, and the best five of its search.
    static func searchText(_ record: ModelRecord, _ trials: [ModelRegistry.StoredTrial]) -> String? {
        guard let mine = trials.first(where: { $0.modelID == record.id }) else { return nil }
        let higherIsBetter = ModelTask.metric(named: mine.metric)?.higherIsBetter ?? false
        let ranked = trials.filter { $0.score != nil }.sorted {
            higherIsBetter ? $0.score! > $1.score! : $0.score! < $1.score!
        }
        let rank = (ranked.firstIndex { $0.number == mine.number } ?? 0) + 1
        let failed = trials.count - ranked.count
        var table = TextTable(["trial", mine.metric, "seconds", "hyperparameters"])
        for trial in ranked.prefix(5) {
            table.add([
                String(trial.number) + (trial.number == mine.number ? " *" : ""), metricText(trial.score),
                String(format: "%.2f", trial.seconds), trial.parameters.summary,
            ])
        }
        return "search: trial \(mine.number) of \(trials.count) (\(mine.sampler)), rank \(rank) by validation "
            + "\(mine.metric)\(failed > 0 ? ", \(failed) failed" : ""); the best five "
            + "(`modelserve models trials \(record.name)` lists them all):\n" + table.rendered
    }

    /// Coefficients by feature, with the inference table when the fit has one.
    static func coefficientTable(_ model: Model) -> String {
        if let ensemble = model.estimator as? TreeEnsemble {
            var table = TextTable(["feature", "gain share"])
            for entry in ensemble.importance(featureNames: model.featureNames) {
                table.add([entry.name, String(format: "%.4f", entry.gain)])
            }
            let stopped = ensemble.bestIteration.map { ", early stopping kept \($0)" } ?? ""
            return
                "\(ensemble.trees.count) trees (\(ensemble.objective.rawValue)\(stopped)); feature importance by gain:\n"
                + table.rendered
        }
        if let inference = model.inferenceTable {
            let robust = inference.terms.contains { $0.term.robustStandardError != nil }
            let test = inference.test.rawValue
            var table = TextTable(
                ["feature", "coef", "std err"] + (robust ? ["HC3 se"] : [])
                    + [test, "P>|\(test)|", "[0.025", "0.975]"])
            for (name, term) in inference.terms {
                table.add(
                    [name, fmt(term.coefficient), fmt(term.standardError)]
                        + (robust ? [fmt(term.robustStandardError)] : [])
                        + [fmt(term.statistic), pText(term.pValue), fmt(term.confidenceLow), fmt(term.confidenceHigh)])
            }
            let s = inference.statistics
            let summary =
                inference.test == .t
                ? "R² \(fmt(s["r_squared"])), adj. R² \(fmt(s["adjusted_r_squared"])), F \(fmt(s["f_statistic"])) "
                    + "(p \(pText(s["f_p_value"] ?? .nan))), log-likelihood \(fmt(s["log_likelihood"])), "
                    + "AIC \(fmt(s["aic"])), BIC \(fmt(s["bic"])), residual SE \(fmt(s["residual_standard_error"])), "
                    + "condition number \(fmt(s["condition_number"])), \(Int(s["observations"] ?? 0)) observations"
                : "log-likelihood \(fmt(s["log_likelihood"])), null \(fmt(s["null_log_likelihood"])), "
                    + "LLR p \(pText(s["llr_p_value"] ?? .nan)), pseudo R² \(fmt(s["pseudo_r_squared"]))"
            return table.rendered + "\n\n" + summary
        }
        guard let terms = model.estimator.linearTerms, terms.coefficients.count == model.featureNames.count else {
            return "(no coefficients: the \(model.kind) body is not linear in its features)"
        }
        let names = ["intercept"] + model.featureNames
        let values = [terms.intercept] + terms.coefficients
        var table = TextTable(["feature", "coef"])
        for i in names.indices { table.add([names[i], fmt(values[i])]) }
        return table.rendered
    }

    static func comparison(_ a: ModelRecord, _ b: ModelRecord) throws -> String {
        let ma = try a.model()
        let mb = try b.model()
        let left = "\(a.name) v\(a.version) (id \(a.id))"
        let right = "\(b.name) v\(b.version) (id \(b.id))"
        var metrics = TextTable(["metric", left, right, "difference"])
        let keys = Set(a.metrics.heldOut.keys).union(b.metrics.heldOut.keys).subtracting(["rows"]).sorted()
        for key in keys {
            let x = a.metrics.heldOut[key]
            let y = b.metrics.heldOut[key]
            metrics.add([key, metricText(x), metricText(y), x != nil && y != nil ? metricText(y! - x!) : "-"])
        }
        var coefficients = TextTable(["feature", left, right])
        let ca = Dictionary(
            uniqueKeysWithValues: [("intercept", ma.intercept)] + ma.namedCoefficients.map { ($0.name, $0.value) })
        let cb = Dictionary(
            uniqueKeysWithValues: [("intercept", mb.intercept)] + mb.namedCoefficients.map { ($0.name, $0.value) })
        let names = ["intercept"] + (ma.featureNames + mb.featureNames.filter { !ma.featureNames.contains($0) })
        for name in names { coefficients.add([name, fmt(ca[name]), fmt(cb[name])]) }
        return
            "hyperparameters: \(a.hyperparameters.summary)  |  \(b.hyperparameters.summary)\n\n"
            + "held-out metrics:\n" + metrics.rendered + "\n\ncoefficients:\n" + coefficients.rendered
    }

    static func fmt(_ v: Double?) -> String {
        guard let v else { return "-" }
        return String(format: "%.4f", v)
    }

    static func pText(_ p: Double) -> String {
        p < 0.0001 ? String(format: "%.2e", p) : String(format: "%.4f", p)
    }
}
