import Dispatch
import Foundation
import Learning
import Registry
import Synchronization

/// Live quality per served version for `/metrics`: the task's key metrics on each version's
/// feedback (the same computation as `/models/{id}/monitoring`), for the versions in memory
/// only (production, canary and shadow: a bounded label set). A scrape never waits on the
/// database: it gets the figures last computed, and if they are older than `maxAge` it
/// starts one refresh in the background.
final class LiveFigures: Sendable {
    typealias Gauge = (name: String, help: String, labels: [String: String], value: Double)

    private struct State {
        var gauges: [Gauge] = []
        var refreshedAt: Date?
        var refreshing = false
    }

    private let state = Mutex<State>(State())
    private let maxAge: TimeInterval
    /// Labelled rows read at most per version.
    static let rowLimit = 100_000

    init(maxAge: TimeInterval = 30) {
        self.maxAge = maxAge
    }

    func gauges(_ services: Services) -> [Gauge] {
        let (gauges, stale) = state.withLock { state -> ([Gauge], Bool) in
            let stale = !state.refreshing && (state.refreshedAt.map { Date().timeIntervalSince($0) > maxAge } ?? true)
            if stale { state.refreshing = true }
            return (state.gauges, stale)
        }
        if stale {
            DispatchQueue.global(qos: .utility).async { self.refresh(services) }
        }
        return gauges
    }

    private func refresh(_ services: Services) {
        // Each metric's samples together, as the exposition format wants.
        var rowsGauges: [Gauge] = []
        var metricGauges: [Gauge] = []
        let feedback = FeedbackStore(registry: services.registry)
        var versions: [LoadedModel] = services.store.all
        for split in services.store.traffic {
            for id in Array(split.weights.keys) + split.shadow {
                if let loaded = services.store.cached(id: id), !versions.contains(where: { $0.id == id }) {
                    versions.append(loaded)
                }
            }
        }
        for loaded in versions {
            guard let rows = try? feedback.labelled(modelID: loaded.id, limit: Self.rowLimit) else { continue }
            let labels = ["name": loaded.name, "version": String(loaded.version)]
            rowsGauges.append(
                (
                    "modelserve_feedback_rows", "Labelled rows (POST /feedback) of a served version.", labels,
                    Double(rows.actual.count)
                ))
            guard !rows.actual.isEmpty else { continue }
            let settings = loaded.model.settings
            let metrics = settings.evaluation(truth: rows.actual, rows.predicted).named
            for metric in settings.task.keyMetrics {
                guard let value = metrics[metric] else { continue }
                metricGauges.append(
                    (
                        "modelserve_live_metric", "A served version's metric on its feedback, as at training.",
                        labels.merging(["metric": metric]) { $1 }, value
                    ))
            }
        }
        state.withLock { state in
            state.gauges = rowsGauges + metricGauges
            state.refreshedAt = Date()
            state.refreshing = false
        }
    }
}
