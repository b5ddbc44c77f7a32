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
    /// `"model_id":…,"name":…,"version":…`, as every answer carries them.
    let identityMembers: [UInt8]
    /// The samples' column names as encoded keys, in column order: `/similar` writes each
    /// for every row it returns (escaping them again cost ~250 instructions a key).
    let sampleKeys: [JSONWriter.Key]

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
        identityMembers = JSONWriter.identityMembers(id: id, name: name, version: version)
        sampleKeys = samples?.columns.map(JSONWriter.Key.init) ?? []
    }
}

/// The production model of every name, in memory, swapped atomically.
///
/// Readers take the whole map under a lock held for a pointer copy; a request keeps the
/// `LoadedModel` it took, so it finishes on the model it started with even if production
/// changes meanwhile.
public final class ModelStore: Sendable {
    /// Production per name and the names' splits, swapped together, read with one lock.
    private let state = Mutex<State>(State())

    private struct State {
        let models: [String: LoadedModel]
        let splits: [String: Split]
        /// The same models in a list, searched in order when there are few: every request
        /// looks its name up, and hashing it cost ~300 instructions where comparing a short
        /// name is a word or two.
        private let few: [LoadedModel]
        private static let searchedInOrder = 8

        init(models: [String: LoadedModel] = [:], splits: [String: Split] = [:]) {
            self.models = models
            self.splits = splits
            few = models.count <= Self.searchedInOrder ? Array(models.values) : []
        }

        /// Production for `name`, or the only production model when `name` is nil.
        func production(name: String?) -> LoadedModel? {
            guard let name else { return models.count == 1 ? models.first?.value : nil }
            guard models.count <= Self.searchedInOrder else { return models[name] }
            return few.first { $0.name == name }
        }
    }

    /// A name's canary split, loaded: cumulative weights in order, and the shadows.
    public struct Split: Sendable {
        public let choices: [(model: LoadedModel, upTo: Double)]
        public let shadows: [LoadedModel]
        public let source: TrafficSplit
    }
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
        state.withLock { $0.production(name: name) }
    }

    /// The version that answers a request for `name` (nil: the only production name): by
    /// the name's split when it has one (sticky per `key`, else random), else production;
    /// and the shadow versions that score the same rows.
    public func route(name: String?, key: () -> String?) -> (answer: LoadedModel, shadows: [LoadedModel])? {
        let (production, split) = state.withLock { state -> (LoadedModel?, Split?) in
            let production = state.production(name: name)
            // Most deployments have no split: skip hashing the name for one.
            return (production, state.splits.isEmpty ? nil : production.flatMap { state.splits[$0.name] })
        }
        guard let production else { return nil }
        guard let split else { return (production, []) }
        let u = key().map(Self.unitHash) ?? Double.random(in: 0..<1)
        let chosen = split.choices.first { u < $0.upTo }?.model ?? split.choices.last!.model
        return (chosen, split.shadows)
    }

    /// The split of every name that has one.
    public var traffic: [TrafficSplit] {
        state.withLock { $0.splits.values.map(\.source) }.sorted { $0.name < $1.name }
    }

    /// A key's place in [0, 1): FNV-1a, then MurmurHash3's 64-bit finaliser so that keys
    /// differing only in their last bytes ("user-1", "user-2") spread over the whole range
    /// (FNV alone leaves their top bits alike); the same on every replica.
    static func unitHash(_ key: String) -> Double {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        hash ^= hash >> 33
        hash &*= 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        hash &*= 0xc4ce_b9fe_1a85_ec53
        hash ^= hash >> 33
        return Double(hash >> 11) / Double(1 << 53)
    }

    public var all: [LoadedModel] {
        state.withLock { Array($0.models.values) }.sorted { $0.name < $1.name }
    }

    /// A version already in memory (production, or loaded before), without touching the
    /// database.
    public func cached(id: Int64) -> LoadedModel? {
        if let loaded = byID.withLock({ $0[id] }) { return loaded }
        return state.withLock { $0.models.values.first { $0.id == id } }
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
        let current = state.withLock { $0.models }
        var next: [String: LoadedModel] = [:]
        var changed: [String] = []
        // Records are read only for the names whose pointer moved.
        for pointer in try registry.productionPointers() {
            if let existing = current[pointer.name], existing.id == pointer.modelID {
                next[pointer.name] = existing
            } else {
                next[pointer.name] = try LoadedModel(
                    record: try registry.record(id: pointer.modelID), assignedAt: pointer.assignedAt,
                    samples: try registry.samples(modelID: pointer.modelID))
                changed.append(pointer.name)
            }
        }
        changed += current.keys.filter { next[$0] == nil }
        var nextSplits: [String: Split] = [:]
        for split in try registry.traffic() where next[split.name] != nil {
            var total = 0.0
            var choices: [(model: LoadedModel, upTo: Double)] = []
            for (id, weight) in split.weights.sorted(by: { $0.key < $1.key }) {
                total += weight
                choices.append((try model(id: id), total))
            }
            nextSplits[split.name] = Split(choices: choices, shadows: try split.shadow.map(model(id:)), source: split)
        }
        let previous = state.withLock { $0.splits }
        for (name, split) in nextSplits where previous[name]?.source != split.source { changed.append(name) }
        changed += previous.keys.filter { nextSplits[$0] == nil }
        state.withLock { $0 = State(models: next, splits: nextSplits) }
        lastRefresh.withLock { $0 = Date() }
        return changed
    }

    public var refreshedAt: Date? { lastRefresh.withLock { $0 } }
}
