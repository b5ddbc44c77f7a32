public import Foundation
public import Learning
public import Registry
import Synchronization

/// A production model ready to answer: the fitted model and which registry version it is.
public final class LoadedModel: Sendable {
    public let id: Int64
    public let name: String
    public let version: Int
    public let model: Model
    public let assignedAt: Date
    /// Where each input feature goes in `model.predict(ordered:)`.
    let inputIndex: [String: Int]
    /// Reads the common `{"features": {...}}` body straight into input order.
    let scanner: FeatureRowScanner
    /// The training rows `POST /similar` answers from, indexed (nil: the spec had no `similar:`).
    public let samples: SimilarSamples?

    init(record: ModelRecord, assignedAt: Date, samples: SimilarSamples?) throws {
        self.samples = samples
        id = record.id
        name = record.name
        version = record.version
        model = try record.model()
        self.assignedAt = assignedAt
        let names = model.preprocessor.inputNames
        inputIndex = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        scanner = FeatureRowScanner(inputNames: names)
    }
}

/// The production model of every name, in memory, swapped atomically.
///
/// Readers take the whole map under a lock held for a pointer copy; a request keeps the
/// `LoadedModel` it took, so it finishes on the model it started with even if production
/// changes meanwhile.
public final class ModelStore: Sendable {
    private let models = Mutex<[String: LoadedModel]>([:])
    private let byID = Mutex<[Int64: LoadedModel]>([:])
    private let registry: ModelRegistry
    private let lastRefresh = Mutex<Date?>(nil)
    /// One refresh at a time: two overlapping ones could otherwise finish in the wrong order
    /// and put an older production map back.
    private let refreshing = NSLock()

    public init(registry: ModelRegistry) {
        self.registry = registry
    }

    /// Production for `name`, or the only production model when `name` is nil.
    public func production(name: String?) -> LoadedModel? {
        let snapshot = models.withLock { $0 }
        if let name { return snapshot[name] }
        return snapshot.count == 1 ? snapshot.first?.value : nil
    }

    public var all: [LoadedModel] {
        models.withLock { Array($0.values) }.sorted { $0.name < $1.name }
    }

    /// A version already in memory (production, or loaded before), without touching the
    /// database.
    public func cached(id: Int64) -> LoadedModel? {
        if let loaded = byID.withLock({ $0[id] }) { return loaded }
        return models.withLock { $0.values.first { $0.id == id } }
    }

    /// A specific version by id (loaded on first use, then cached).
    public func model(id: Int64) throws -> LoadedModel {
        if let cached = cached(id: id) { return cached }
        let loaded = try LoadedModel(
            record: try registry.record(id: id), assignedAt: Date(timeIntervalSince1970: 0),
            samples: try registry.samples(modelID: id))
        byID.withLock { $0[id] = loaded }
        return loaded
    }

    /// Re-reads the production pointers and swaps in what changed. Returns the names whose
    /// model changed.
    @discardableResult
    public func refresh() throws -> [String] {
        refreshing.lock()
        defer { refreshing.unlock() }
        let productions = try registry.productions()
        let current = models.withLock { $0 }
        var next: [String: LoadedModel] = [:]
        var changed: [String] = []
        for production in productions {
            if let existing = current[production.record.name], existing.id == production.record.id {
                next[production.record.name] = existing
            } else {
                next[production.record.name] = try LoadedModel(
                    record: production.record, assignedAt: production.assignedAt,
                    samples: try registry.samples(modelID: production.record.id))
                changed.append(production.record.name)
            }
        }
        changed += current.keys.filter { next[$0] == nil }
        models.withLock { $0 = next }
        lastRefresh.withLock { $0 = Date() }
        return changed
    }

    public var refreshedAt: Date? { lastRefresh.withLock { $0 } }
}
