/// One feature's value in a row to predict or learn from.
public enum FeatureValue: Sendable, Hashable {
    case number(Double)
    case text(String)
    case missing
}

/// Which columns are features, and how each is treated.
public struct FeatureSchema: Sendable, Equatable, Codable {
    public var numeric: [String]
    public var categorical: [String]

    public init(numeric: [String], categorical: [String] = []) {
        self.numeric = numeric
        self.categorical = categorical
    }

    public var all: [String] { numeric + categorical }
}

/// A numeric training column: values, and which rows are missing (NULL).
public struct NumericColumn: Sendable {
    public var values: [Double]
    /// nil when no row is missing.
    public var isMissing: [Bool]?

    public init(_ values: [Double], isMissing: [Bool]? = nil) {
        self.values = values
        self.isMissing = isMissing
    }

    public init(_ optionals: [Double?]) {
        values = optionals.map { $0 ?? 0 }
        isMissing = optionals.contains(where: { $0 == nil }) ? optionals.map { $0 == nil } : nil
    }

    func missing(_ i: Int) -> Bool { isMissing?[i] ?? false }
}

/// Training data by column, as read from a query: compact arrays, one per feature.
public struct TrainingData: Sendable {
    public var numeric: [String: NumericColumn]
    public var categorical: [String: [String?]]
    public var target: [Double]

    public init(numeric: [String: NumericColumn] = [:], categorical: [String: [String?]] = [:], target: [Double]) {
        self.numeric = numeric
        self.categorical = categorical
        self.target = target
    }

    public var count: Int { target.count }

    /// The same data restricted to some rows, in the given order.
    public func selecting(rows: [Int]) -> TrainingData {
        TrainingData(
            numeric: numeric.mapValues { column in
                NumericColumn(
                    rows.map { column.values[$0] }, isMissing: column.isMissing.map { m in rows.map { m[$0] } })
            },
            categorical: categorical.mapValues { column in rows.map { column[$0] } },
            target: rows.map { target[$0] })
    }
}
