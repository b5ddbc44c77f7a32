import Synchronization

/// The name of a model family, as specs, artifacts and the registry write it. Any name a
/// registered family carries is a kind; `ModelFamilies` is the one table of them.
public struct ModelKind: Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    /// A registered kind by name; nil for a name no family carries.
    public init?(rawValue: String) {
        guard ModelFamilies.family(for: rawValue) != nil else { return nil }
        self.rawValue = rawValue
    }

    /// The kind a family defines (its registration makes it known).
    public init(defining name: String) {
        rawValue = name
    }

    public static let logistic = ModelKind(defining: "logistic")
    public static let linear = ModelKind(defining: "linear")
    public static let gbdt = ModelKind(defining: "gbdt")

    /// Every registered kind, in registration order.
    public static var allCases: [ModelKind] { ModelFamilies.all.map(\.kind) }

    /// The family that fits and predicts this kind.
    public var family: any ModelFamily {
        guard let family = ModelFamilies.family(for: rawValue) else {
            preconditionFailure("model kind \(rawValue) has no registered family")
        }
        return family
    }

    /// What the kind predicts, which decides its metrics.
    public var task: ModelTask { family.task }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        let name = try decoder.singleValueContainer().decode(String.self)
        guard let kind = ModelKind(rawValue: name) else {
            throw LearningError(
                .unknownKind,
                "unknown model kind '\(name)'; valid: \(ModelKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = kind
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// The table of model families: every layer that needs to know about kinds (training,
/// artifacts, the CLI, the dashboard, OpenAPI) asks it, so a new kind is one file defining
/// its family plus one line in `builtIn`, or one `register` call.
public enum ModelFamilies {
    /// The families that ship with modelserve.
    static let builtIn: [any ModelFamily] = [
        LogisticFamily(), LinearFamily(), GBDTFamily(), OnlineLogisticFamily(), OnlineLinearFamily(),
    ]

    private static let table = Mutex<[any ModelFamily]>(builtIn)

    /// Every registered family, in registration order.
    public static var all: [any ModelFamily] { table.withLock { $0 } }

    public static func family(for name: String) -> (any ModelFamily)? {
        table.withLock { families in families.first { $0.kind.rawValue == name } }
    }

    /// Adds a family (replacing one of the same kind).
    public static func register(_ family: any ModelFamily) {
        table.withLock { families in
            families.removeAll { $0.kind == family.kind }
            families.append(family)
        }
    }
}
