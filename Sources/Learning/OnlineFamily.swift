/// A family that also learns one batch at a time. Online ingest starts a body that has seen
/// nothing and feeds it batches; the body registers, serves and checkpoints like any other
/// version's (its artifact is its whole state, so a run resumes from it exactly).
public protocol OnlineFamily: ModelFamily {
    /// A body that has seen no rows, over numeric features in `featureNames` order.
    func start(featureNames: [String], _ parameters: any FamilyParameters) throws -> any OnlineEstimator
}

/// A fitted body that keeps learning.
public protocol OnlineEstimator: Estimator {
    /// Learns from a batch: `x` has one column per feature (no intercept column).
    mutating func partialFit(_ x: Matrix, _ y: [Double]) throws
    /// Rows learnt from so far.
    var rowsSeen: Int { get }
    /// The current terms, intercept first, on the features' own scale; standard errors,
    /// p-values and intervals where the kind defines them.
    func estimates(featureNames: [String]) throws -> [TermEstimate]
    /// statsmodels-style OLS inference where the kind has it (for the version's report).
    var olsInference: OLSInference? { get }
}

extension OnlineEstimator {
    public var olsInference: OLSInference? { nil }
}

/// One term of a model as it stands: its value and, where defined, its uncertainty.
public struct TermEstimate: Sendable, Equatable, Codable {
    public var term: String
    public var value: Double
    public var standardError: Double?
    public var pValue: Double?
    /// The 95% confidence interval.
    public var low: Double?
    public var high: Double?

    public init(
        term: String, value: Double, standardError: Double? = nil, pValue: Double? = nil, low: Double? = nil,
        high: Double? = nil
    ) {
        self.term = term
        self.value = value
        self.standardError = standardError
        self.pValue = pValue
        self.low = low
        self.high = high
    }

    enum CodingKeys: String, CodingKey {
        case term, value, standardError = "std_error", pValue = "p_value", low = "ci_low", high = "ci_high"
    }
}

extension ModelKind {
    /// The family as an online one, or an error naming the kinds that learn online.
    public var onlineFamily: any OnlineFamily {
        get throws {
            guard let online = family as? any OnlineFamily else {
                throw LearningError(
                    .unknownKind,
                    "kind \(rawValue) does not learn online; online kinds: "
                        + ModelKind.onlineCases.map(\.rawValue).joined(separator: ", "))
            }
            return online
        }
    }

    /// Every registered kind that learns batch by batch.
    public static var onlineCases: [ModelKind] { ModelFamilies.all.filter { $0 is any OnlineFamily }.map(\.kind) }
}
