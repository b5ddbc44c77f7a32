/// What a query's rows look like before any model sees them: per column its type, nulls,
/// distinct count, number summary or top levels; for the whole result the row count, exact
/// duplicates, correlations, association with a target, and the suspicious values the rules
/// found. Built in one pass by `DataProfiler`; the figures are pandas' (`describe()`,
/// `value_counts()`, `duplicated().sum()`, `corr()`) where pandas has one.
public struct DataProfile: Sendable, Codable, Equatable {
    public var rows: Int
    public var columns: [Column]
    /// Rows equal in every column to an earlier row (pandas' `duplicated().sum()`).
    public var duplicateRows: Int
    /// False when more distinct rows came than the duplicate check keeps: the count is then
    /// a lower bound.
    public var duplicatesExact: Bool
    /// Rows the pairwise figures (correlations, associations, linked-column checks) were
    /// computed on: every row up to the sample limit, a uniform sample beyond.
    public var sampleRows: Int
    public var pearson: Matrix?
    public var spearman: Matrix?
    /// Cramér's V between text columns (no continuity correction).
    public var cramersV: Matrix?
    public var target: String?
    public var targetAssociations: [Association]
    public var findings: [Finding]

    public enum ColumnType: String, Sendable, Codable {
        case number, text, mixed, empty
    }

    public struct Column: Sendable, Codable, Equatable {
        public var name: String
        public var type: ColumnType
        /// Non-null values.
        public var count: Int
        public var nulls: Int
        public var distinct: Int
        /// False once the distinct count comes from the HyperLogLog (±0.81%).
        public var distinctExact: Bool
        public var numbers: Numbers?
        public var levels: Levels?

        enum CodingKeys: String, CodingKey {
            case name, type, count, nulls, distinct, distinctExact = "distinct_exact", numbers, levels
        }
    }

    public struct Numbers: Sendable, Codable, Equatable {
        public var count: Int
        public var mean: Double
        /// Sample standard deviation (n − 1), as pandas; nil for fewer than two values.
        public var sd: Double?
        public var min: Double
        public var max: Double
        public var quantiles: [Quantile]
        /// 0 when the quantiles are exact; the sketch's stated rank error otherwise.
        public var rankError: Double
        public var histogram: Histogram
        public var zeros: Int
        public var negatives: Int
        /// Every value a whole number.
        public var integral: Bool

        enum CodingKeys: String, CodingKey {
            case count, mean, sd, min, max, quantiles, rankError = "rank_error", histogram, zeros, negatives
            case integral
        }

        public func quantile(_ q: Double) -> Double? { quantiles.first { $0.q == q }?.value }
    }

    public struct Quantile: Sendable, Codable, Equatable {
        public var q: Double
        public var value: Double
    }

    /// Equal-width bins from min to max; each [edge, next) but the last, closed.
    public struct Histogram: Sendable, Codable, Equatable {
        public var edges: [Double]
        public var counts: [Int]
    }

    public struct Levels: Sendable, Codable, Equatable {
        public var top: [Level]
        /// Rows whose level is not in `top`.
        public var otherRows: Int
        /// False when more levels came than are counted one by one: levels first seen after
        /// that are pooled, so `top` may miss a late frequent level.
        public var exact: Bool

        enum CodingKeys: String, CodingKey {
            case top, otherRows = "other_rows", exact
        }
    }

    public struct Level: Sendable, Codable, Equatable {
        public var value: String
        public var count: Int
    }

    /// A square matrix over named columns; nil where the figure is undefined (a constant
    /// column, fewer than two shared rows).
    public struct Matrix: Sendable, Codable, Equatable {
        public var columns: [String]
        public var values: [[Double?]]

        public func value(_ a: String, _ b: String) -> Double? {
            guard let i = columns.firstIndex(of: a), let j = columns.firstIndex(of: b) else { return nil }
            return values[i][j]
        }
    }

    /// How strongly a column goes with the target: Pearson and Spearman for two numbers, the
    /// correlation ratio η for a number and a text column, Cramér's V for two text columns.
    public struct Association: Sendable, Codable, Equatable {
        public var column: String
        public var pearson: Double?
        public var spearman: Double?
        public var eta: Double?
        public var cramersV: Double?

        enum CodingKeys: String, CodingKey {
            case column, pearson, spearman, eta, cramersV = "cramers_v"
        }

        /// The one figure to rank by.
        public var strength: Double { abs(spearman ?? pearson ?? eta ?? cramersV ?? 0) }
    }

    enum CodingKeys: String, CodingKey {
        case rows, columns, duplicateRows = "duplicate_rows", duplicatesExact = "duplicates_exact"
        case sampleRows = "sample_rows", pearson, spearman, cramersV = "cramers_v", target
        case targetAssociations = "target_associations", findings
    }

    public func column(_ name: String) -> Column? { columns.first { $0.name == name } }
}
