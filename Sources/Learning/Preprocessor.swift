import Foundation

/// How missing feature values are treated, learned at fit time.
public enum MissingPolicy: String, Sendable, Codable, CaseIterable {
    /// A missing value is an error naming the feature and row.
    case error
    /// Numeric features get the training mean; categorical ones the most frequent level.
    case mean
    /// Every feature gets its most frequent training value.
    case mostFrequent = "most_frequent"
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
    }

    public var numeric: [Numeric]
    public var categorical: [Categorical]
    public var missing: MissingPolicy
    public var standardize: Bool

    /// Names of the encoded columns, in order.
    public var featureNames: [String] {
        numeric.map(\.name) + categorical.flatMap { c in c.levels.map { "\(c.name)=\($0)" } }
    }

    public var width: Int { numeric.count + categorical.reduce(0) { $0 + $1.levels.count } }

    /// Learns the pipeline from training data.
    public static func fit(
        _ data: TrainingData, schema: FeatureSchema, missing: MissingPolicy, standardize: Bool, dropFirst: Bool
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
                case .error: nil
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
            let sorted = counts.keys.sorted()
            let fill =
                missing == .error
                ? nil : counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key
            categorical.append(
                Categorical(
                    name: name, levels: dropFirst ? Array(sorted.dropFirst()) : sorted,
                    dropped: dropFirst ? sorted[0] : nil,
                    fill: fill))
        }
        return Preprocessor(numeric: numeric, categorical: categorical, missing: missing, standardize: standardize)
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
                guard let value = column[i] ?? feature.fill else {
                    throw LearningError(.missingValue, "feature \(feature.name) is missing (NULL) in row \(i + 1)")
                }
                if let k = index[value] { x.values[(next + k) * n + i] = 1 }
            }
            next += feature.levels.count
        }
        return x
    }

    /// The features a row to predict supplies, in the order `encode(ordered:into:)` takes
    /// them: numeric ones, then categorical ones.
    public var inputNames: [String] { numeric.map(\.name) + categorical.map(\.name) }

    /// Encodes one row of named values for prediction into `vector` (length `width`).
    /// Checks every feature and reports all problems at once; an unseen category encodes as
    /// all zeros and is counted in the return value.
    public func encode(_ row: [String: FeatureValue], into vector: UnsafeMutableBufferPointer<Double>) throws -> Int {
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
    ) throws -> Int {
        precondition(values.count == numeric.count + categorical.count, "one value per input feature")
        var problems = known
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
            case .missing?, nil:
                if let fill = feature.fill {
                    vector[j] = (fill - feature.center) / feature.scale
                } else {
                    problems[feature.name] = values[j] == nil ? "missing" : "must not be null"
                }
            }
        }
        var unknown = 0
        var next = numeric.count
        for (c, feature) in categorical.enumerated() {
            for k in 0..<feature.levels.count { vector[next + k] = 0 }
            let given = values[numeric.count + c]
            let value: String?
            switch given {
            case .text(let s)?: value = s
            case .number(let v)?: value = v.isFinite ? formatValue(v) : nil
            case .missing?, nil: value = feature.fill
            }
            if let value {
                if let k = feature.levels.firstIndex(of: value) {
                    vector[next + k] = 1
                } else if value != feature.dropped {
                    unknown += 1
                }
            } else {
                problems[feature.name] = given == nil ? "missing" : "must be a category (text)"
            }
            next += feature.levels.count
        }
        if !problems.isEmpty {
            let text = problems.keys.sorted().map { "\($0): \(problems[$0]!)" }.joined(separator: "; ")
            throw LearningError(.wrongType, "invalid features: \(text)", details: problems)
        }
        return unknown
    }
}
