import Foundation

/// A body linear in the encoded features: η = intercept + Σ cⱼxⱼ, then the link. Logistic
/// and linear regression both fit one; they differ in the link.
public struct LinearEstimator: Estimator, Equatable {
    public enum Link: Sendable, Equatable {
        /// P(y = 1) = σ(η); the label is 1 above `threshold`.
        case logit(threshold: Double)
        /// The value η, mapped back from the target's transform.
        case identity(TargetTransform)
    }

    /// One per encoded feature.
    public let coefficients: [Double]
    public let intercept: Double
    public let link: Link

    public init(coefficients: [Double], intercept: Double, link: Link) {
        self.coefficients = coefficients
        self.intercept = intercept
        self.link = link
    }

    public var linearTerms: (coefficients: [Double], intercept: Double)? { (coefficients, intercept) }

    public func predict(encoded x: UnsafeBufferPointer<Double>) -> Prediction {
        // η in feature order (the same order every time, so the same bits).
        var eta = intercept
        for j in 0..<coefficients.count { eta += coefficients[j] * x[j] }
        return prediction(eta)
    }

    public func predict(design: Matrix) -> [Prediction] {
        Kernels.times(design, coefficients).map { prediction($0 + intercept) }
    }

    func prediction(_ eta: Double) -> Prediction {
        switch link {
        case .logit(let threshold):
            let p = sigmoid(eta)
            return .classification(probability: p, label: p > threshold ? 1 : 0)
        case .identity(let transform):
            return .regression(value: Model.inverse(eta, transform))
        }
    }

    enum CodingKeys: String, CodingKey {
        case coefficients, intercept
    }

    /// Coefficients keyed by feature name, and the intercept.
    public func encode(to encoder: any Encoder, featureNames: [String]) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Dictionary(uniqueKeysWithValues: zip(featureNames, coefficients)), forKey: .coefficients)
        try container.encode(intercept, forKey: .intercept)
    }

    static func decode(from decoder: any Decoder, featureNames: [String], link: Link) throws -> LinearEstimator {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let byName = try container.decode([String: Double].self, forKey: .coefficients)
        var coefficients: [Double] = []
        for name in featureNames {
            guard let value = byName[name] else {
                throw LearningError(.malformedArtifact, "no coefficient for feature \(name)")
            }
            coefficients.append(value)
        }
        guard byName.count == featureNames.count else {
            throw LearningError(.malformedArtifact, "coefficients name features the preprocessing does not have")
        }
        return LinearEstimator(
            coefficients: coefficients, intercept: try container.decode(Double.self, forKey: .intercept), link: link)
    }

    /// A fit's coefficients on the design's columns, split into the intercept (column 0
    /// when fitted) and the features'.
    static func splitting(_ fitted: [Double], intercept: Bool, link: Link) -> LinearEstimator {
        LinearEstimator(
            coefficients: intercept ? Array(fitted.dropFirst()) : fitted, intercept: intercept ? fitted[0] : 0,
            link: link)
    }
}
