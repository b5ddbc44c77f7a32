import Foundation

/// How missing feature values are treated, learned at fit time.
public enum MissingPolicy: String, Sendable, Codable, CaseIterable {
    /// A missing value is an error naming the feature and row.
    case error
    /// Numeric features get the training mean; categorical ones the most frequent level.
    case mean
    /// Every feature gets its most frequent training value.
    case mostFrequent = "most_frequent"
    /// Left missing (NaN, or no level for a categorical) for a kind that learns where
    /// missing values go (gbdt).
    case native
}

/// A fitted, serialisable feature pipeline: imputation, optional standardisation and
/// one-hot encoding, turning a row of named values into the model's vector. Feature names
/// survive: numeric columns keep theirs, one-hot columns are named `feature=level`.
public struct Preprocessor: Sendable, Equatable, Codable {
    public struct Numeric: Sendable, Equatable, Codable {
        public var name: String
        /// x ↦ (x - center) / scale; 0 and 1 without standardisation.
        public var center: Double
        public var scale: Double
        /// The value used for a missing entry, when the policy imputes.
        public var fill: Double?
    }

    public struct Categorical: Sendable, Equatable, Codable {
        public var name: String
        /// The levels that get a column, in order (sorted; the first dropped if `dropped`).
        public var levels: [String]
        /// The reference level encoded as all zeros (drop-first encoding).
        public var dropped: String?
        public var fill: String?
        /// How many training levels were pooled into one `name=infrequent` column (after
        /// `levels`), as scikit-learn's OneHotEncoder does with `max_categories` and
        /// `min_frequency`; nil when none were. A value outside `levels` then encodes as
        /// infrequent, whether it was rare in training or never seen.
        public var infrequent: Int?

        /// The pooled column's name suffix.
        public static let infrequentLevel = "infrequent"

        /// Codes this feature takes: one per level, and the pooled one.
        public var codeCount: Int { levels.count + (infrequent == nil ? 0 : 1) }
    }

    /// How categoricals enter the design: a 0/1 column per level (one-hot, for linear
    /// models and trees that split one level off at a time), or one column of level codes
    /// 0, 1, ... for trees that split a set of levels off natively (gbdt, as XGBoost's
    /// `enable_categorical`). In code form, a level never seen in training is -1.
    public enum CategoryEncoding: String, Sendable, Codable {
        case oneHot = "one_hot"
        case codes
    }

    /// How categorical levels are kept: the limits scikit-learn's OneHotEncoder calls
    /// `max_categories` (columns per feature, the pooled one included) and `min_frequency`
    /// (a count, or a share of rows if below 1).
    public struct LevelLimits: Sendable, Equatable {
        public var maxCategories: Int?
        public var minFrequency: Double?

        public init(maxCategories: Int? = nil, minFrequency: Double? = nil) {
            self.maxCategories = maxCategories
            self.minFrequency = minFrequency
        }

        /// The levels to keep, sorted, and how many were pooled. Levels rarer than
        /// `minFrequency` are pooled first; then, if more than `maxCategories - 1` remain
        /// besides the pool, the least frequent go too (ties: the lexically smaller first, as
        /// scikit-learn's stable sort of the sorted levels does).
        public func keep(_ counts: [String: Int], rows: Int) -> (levels: [String], pooled: Int) {
            let sorted = counts.keys.sorted()
            let frequency = sorted.map { counts[$0]! }
            var infrequent = [Bool](repeating: false, count: sorted.count)
            if let minFrequency {
                let threshold = minFrequency < 1 ? minFrequency * Double(rows) : minFrequency
                for i in sorted.indices where Double(frequency[i]) < threshold { infrequent[i] = true }
            }
            let pooledSoFar = infrequent.filter { $0 }.count
            let current = sorted.count - pooledSoFar + (pooledSoFar > 0 ? 1 : 0)
            if let maxCategories, maxCategories < current {
                let frequentCount = maxCategories - 1
                let order = sorted.indices.sorted { (frequency[$0], $0) < (frequency[$1], $1) }
                for i in order.dropLast(frequentCount) { infrequent[i] = true }
            }
            let kept = sorted.indices.filter { !infrequent[$0] }.map { sorted[$0] }
            return (kept, sorted.count - kept.count)
        }
    }

    public var numeric: [Numeric]
    public var categorical: [Categorical]
    public var missing: MissingPolicy
    public var standardize: Bool
    /// nil in artifacts written before codes existed: one-hot.
    public var categories: CategoryEncoding?

    var usesCodes: Bool { categories == .codes }

    /// Columns a categorical feature takes in the design.
    func width(_ feature: Categorical) -> Int { usesCodes ? 1 : feature.codeCount }

    /// Names of the encoded columns, in order: numeric names, then `feature=level` one-hot
    /// columns (or the feature's own name for its code column).
    public var featureNames: [String] {
        numeric.map(\.name)
            + categorical.flatMap { c in
                usesCodes
                    ? [c.name]
                    : c.levels.map { "\(c.name)=\($0)" }
                        + (c.infrequent == nil ? [] : ["\(c.name)=\(Categorical.infrequentLevel)"])
            }
    }

    public var width: Int { numeric.count + categorical.reduce(0) { $0 + width($1) } }

    /// For code columns: each one's position among the encoded columns and how many codes
    /// it has (empty for one-hot).
    public var categoryCodeCounts: [Int: Int] {
        guard usesCodes else { return [:] }
        var counts: [Int: Int] = [:]
        for (c, feature) in categorical.enumerated() { counts[numeric.count + c] = feature.codeCount }
        return counts
    }

    /// Checks that the design for `rows` rows (and the square matrix a solver builds over
    /// its columns) fits in `limit` bytes, before anything of that size is allocated; the
    /// error names the widest categorical feature, since that is what usually explodes.
    public func checkDesignSize(rows: Int, intercept: Bool, limit: Int) throws {
        let columns = width + (intercept ? 1 : 0)
        let (design, designOverflow) = rows.multipliedReportingOverflow(by: columns)
        let (square, squareOverflow) = columns.multipliedReportingOverflow(by: columns)
        let cells = designOverflow || squareOverflow ? Int.max : design.addingReportingOverflow(square).partialValue
        let bytes = cells > Int.max / 8 ? Int.max : cells * 8
        guard bytes > limit else { return }
        var message =
            "the design would need \(Self.bytesText(bytes)) (\(rows.formatted()) rows × \(columns.formatted()) columns "
            + "× 8 bytes, and \(columns.formatted())² for the solver), more than the \(Self.bytesText(limit)) allowed"
        if let widest = categorical.max(by: { width($0) < width($1) }), width(widest) > columns / 4 {
            message +=
                "; categorical feature \(widest.name) has \((widest.levels.count + (widest.infrequent ?? 0)).formatted()) levels: "
                + "set max_categories (default \(ModelSettings.defaultMaxCategories)) or min_frequency to pool rare ones"
        }
        throw LearningError(.tooLarge, message)
    }

    static func bytesText(_ bytes: Int) -> String {
        let units = ["bytes", "KB", "MB", "GB", "TB", "PB", "EB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(bytes) bytes" : String(format: "%.1f %@", value, units[unit])
    }

    /// Learns the pipeline from training data.
    public static func fit(
        _ data: TrainingData, schema: FeatureSchema, missing: MissingPolicy, standardize: Bool, dropFirst: Bool,
        levels limits: LevelLimits = LevelLimits(), categories: CategoryEncoding = .oneHot
    ) throws -> Preprocessor {
        guard data.count > 0 else { throw LearningError(.emptyData, "no rows to learn from") }
        var numeric: [Numeric] = []
        for name in schema.numeric {
            guard let column = data.numeric[name] else {
                throw LearningError(.missingFeature, "numeric feature \(name) is not in the training data")
            }
            var sum = 0.0
            var present = 0
            var counts: [Double: Int] = [:]
            for i in 0..<data.count {
                if column.missing(i) {
                    if missing == .error {
                        throw LearningError(
                            .missingValue,
                            "feature \(name) is missing (NULL) in row \(i + 1); set missing to mean or most_frequent to impute"
                        )
                    }
                    continue
                }
                let v = column.values[i]
                guard v.isFinite else { throw LearningError(.nonFinite, "feature \(name) is \(v) in row \(i + 1)") }
                sum += v
                present += 1
                if missing == .mostFrequent { counts[v, default: 0] += 1 }
            }
            guard present > 0 else {
                throw LearningError(.missingValue, "feature \(name) is missing in every row")
            }
            let mean = sum / Double(present)
            var squares = 0.0
            for i in 0..<data.count where !column.missing(i) {
                let d = column.values[i] - mean
                squares += d * d
            }
            let deviation = (squares / Double(present)).squareRoot()
            if deviation <= 1e-12 * max(1, abs(mean)) {
                throw LearningError(
                    .constantColumn,
                    "feature \(name) is constant (every row is \(formatValue(mean))): it carries no information")
            }
            let fill: Double? =
                switch missing {
                case .error, .native: nil
                case .mean: mean
                case .mostFrequent: counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key
                }
            numeric.append(
                Numeric(name: name, center: standardize ? mean : 0, scale: standardize ? deviation : 1, fill: fill))
        }
        var categorical: [Categorical] = []
        for name in schema.categorical {
            guard let column = data.categorical[name] else {
                throw LearningError(.missingFeature, "categorical feature \(name) is not in the training data")
            }
            var counts: [String: Int] = [:]
            for (i, value) in column.enumerated() {
                if let value {
                    counts[value, default: 0] += 1
                } else if missing == .error {
                    throw LearningError(
                        .missingValue,
                        "feature \(name) is missing (NULL) in row \(i + 1); set missing to mean or most_frequent to impute"
                    )
                }
            }
            guard counts.count >= 2 else {
                throw LearningError(
                    .constantColumn,
                    counts.isEmpty
                        ? "feature \(name) is missing in every row"
                        : "feature \(name) has a single level (\(counts.keys.first!)): it carries no information")
            }
            let (sorted, pooled) = limits.keep(counts, rows: data.count)
            let fill =
                missing == .error || missing == .native
                ? nil : counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key
            let drop = dropFirst && !sorted.isEmpty && categories == .oneHot
            categorical.append(
                Categorical(
                    name: name, levels: drop ? Array(sorted.dropFirst()) : sorted,
                    dropped: drop ? sorted[0] : nil,
                    fill: fill, infrequent: pooled > 0 ? pooled : nil))
        }
        return Preprocessor(
            numeric: numeric, categorical: categorical, missing: missing, standardize: standardize,
            categories: categories == .codes ? .codes : nil)
    }

    /// The design matrix for training data, with a leading column of ones if `intercept`.
    public func design(_ data: TrainingData, intercept: Bool) throws -> Matrix {
        let n = data.count
        let offset = intercept ? 1 : 0
        var x = Matrix(rows: n, columns: width + offset)
        if intercept { for i in 0..<n { x.values[i] = 1 } }
        for (j, feature) in numeric.enumerated() {
            guard let column = data.numeric[feature.name] else {
                throw LearningError(.missingFeature, "numeric feature \(feature.name) is not in the data")
            }
            let base = (j + offset) * n
            for i in 0..<n {
                var v = column.values[i]
                if column.missing(i) {
                    if missing == .native {
                        x.values[base + i] = .nan
                        continue
                    }
                    guard let fill = feature.fill else {
                        throw LearningError(.missingValue, "feature \(feature.name) is missing (NULL) in row \(i + 1)")
                    }
                    v = fill
                } else if !v.isFinite {
                    throw LearningError(.nonFinite, "feature \(feature.name) is \(v) in row \(i + 1)")
                }
                x.values[base + i] = (v - feature.center) / feature.scale
            }
        }
        var next = numeric.count + offset
        for feature in categorical {
            guard let column = data.categorical[feature.name] else {
                throw LearningError(.missingFeature, "categorical feature \(feature.name) is not in the data")
            }
            let index = Dictionary(uniqueKeysWithValues: feature.levels.enumerated().map { ($1, $0) })
            for i in 0..<n {
                if column[i] == nil && missing == .native {
                    // No level: all zeros, or no code, which the trees learn a side for.
                    if usesCodes { x.values[next * n + i] = .nan }
                    continue
                }
                guard let value = column[i] ?? feature.fill else {
                    throw LearningError(.missingValue, "feature \(feature.name) is missing (NULL) in row \(i + 1)")
                }
                if usesCodes {
                    x.values[next * n + i] = Double(
                        index[value] ?? (feature.infrequent != nil ? feature.levels.count : -1))
                } else if let k = index[value] {
                    x.values[(next + k) * n + i] = 1
                } else if feature.infrequent != nil && value != feature.dropped {
                    x.values[(next + feature.levels.count) * n + i] = 1
                }
            }
            next += width(feature)
        }
        return x
    }

    /// The features a row to predict supplies, in the order `encode(ordered:into:)` takes
    /// them: numeric ones, then categorical ones.
    public var inputNames: [String] { numeric.map(\.name) + categorical.map(\.name) }

    /// What encoding a row noticed that is not an error: unseen categories (encoded as all
    /// zeros, or code -1) and the features sent as null that the missing-value policy
    /// handled (filled, or left missing for trees' learned branch).
    public struct EncodingNotes: Sendable, Equatable {
        public var unknownCategories = 0
        public var imputed: [String] = []

        public init() {}
    }

    /// Encodes one row of named values for prediction into `vector` (length `width`).
    /// Checks every feature and reports all problems at once: an absent feature is one (send
    /// null to have the model's missing-value policy handle it).
    public func encode(_ row: [String: FeatureValue], into vector: UnsafeMutableBufferPointer<Double>) throws
        -> EncodingNotes
    {
        let names = inputNames
        var problems: [String: String] = [:]
        for name in row.keys where !names.contains(name) { problems[name] = "unknown feature" }
        let ordered = names.map { row[$0] }
        return try ordered.withUnsafeBufferPointer { try encode(ordered: $0, into: vector, problems: problems) }
    }

    /// Encodes one row given in `inputNames` order (nil: the feature was not sent;
    /// `.missing`: it was sent as null), with the same checks as `encode(_:into:)`. The
    /// serving path uses it to skip building a dictionary per request.
    public func encode(
        ordered values: UnsafeBufferPointer<FeatureValue?>, into vector: UnsafeMutableBufferPointer<Double>,
        problems known: [String: String] = [:]
    ) throws -> EncodingNotes {
        precondition(values.count == numeric.count + categorical.count, "one value per input feature")
        var problems = known
        var notes = EncodingNotes()
        let absent = "missing: send a value, or null for the model's missing-value policy"
        for (j, feature) in numeric.enumerated() {
            switch values[j] {
            case .number(let v)?:
                if v.isFinite {
                    vector[j] = (v - feature.center) / feature.scale
                } else {
                    problems[feature.name] = "must be a finite number, got \(v)"
                }
            case .text?:
                problems[feature.name] = "must be a number, got text"
            case nil:
                problems[feature.name] = absent
            case .missing? where missing == .native:
                vector[j] = .nan
                notes.imputed.append(feature.name)
            case .missing?:
                if let fill = feature.fill {
                    vector[j] = (fill - feature.center) / feature.scale
                    notes.imputed.append(feature.name)
                } else {
                    problems[feature.name] = "must not be null (the model was trained with missing: error)"
                }
            }
        }
        var next = numeric.count
        for (c, feature) in categorical.enumerated() {
            let codes = usesCodes
            if codes { vector[next] = -1 } else { for k in 0..<feature.codeCount { vector[next + k] = 0 } }
            let given = values[numeric.count + c]
            let value: String?
            switch given {
            case .text(let s)?: value = s
            case .number(let v)?: value = v.isFinite ? formatValue(v) : nil
            case .missing?: value = feature.fill
            case nil:
                problems[feature.name] = absent
                next += width(feature)
                continue
            }
            if given == .missing {
                if missing == .native {
                    // No level: all zeros, or no code, which the trees learned a side for.
                    if codes { vector[next] = .nan }
                    notes.imputed.append(feature.name)
                    next += width(feature)
                    continue
                }
                if value == nil {
                    problems[feature.name] = "must not be null (the model was trained with missing: error)"
                    next += width(feature)
                    continue
                }
                notes.imputed.append(feature.name)
            }
            if let value {
                // A one-hot column, or a code; rare or unseen levels take the pooled one.
                let k =
                    feature.levels.firstIndex(of: value)
                    ?? (value != feature.dropped && feature.infrequent != nil ? feature.levels.count : nil)
                if let k {
                    if codes { vector[next] = Double(k) } else { vector[next + k] = 1 }
                } else if value != feature.dropped {
                    notes.unknownCategories += 1
                }
            } else {
                problems[feature.name] = "must be a category (text)"
            }
            next += width(feature)
        }
        if !problems.isEmpty {
            let text = problems.keys.sorted().map { "\($0): \(problems[$0]!)" }.joined(separator: "; ")
            throw LearningError(.wrongType, "invalid features: \(text)", details: problems)
        }
        return notes
    }
}
