import Foundation

/// Logistic regression learned online (`online_logistic`): scikit-learn's
/// `SGDClassifier(loss="log_loss")` update and schedules, after a running standardisation
/// of each feature (as `StandardScaler.partial_fit` before it). Fitted in one call, it is
/// one pass over the rows in order.
struct OnlineLogisticFamily: OnlineFamily {
    struct Parameters: FamilyParameters, Equatable {
        var sgd = OnlineLogisticRegression.Parameters()
        var threshold = 0.5

        // The learner keeps its own intercept and scale.
        var fitIntercept: Bool { false }
        var dropsFirstLevel: Bool { false }
        var labelThreshold: Double { threshold }
    }

    static let kind = ModelKind(defining: "online_logistic")
    var kind: ModelKind { Self.kind }
    let task = ModelTask.binaryClassification

    func parameters(_ reader: inout HyperparameterReader) throws -> any FamilyParameters {
        var p = Parameters()
        p.sgd.alpha = try reader.number("alpha", default: 1e-4, "a number >= 0") { $0 >= 0 }
        p.sgd.schedule = try reader.choice("learning_rate", default: OnlineLogisticRegression.Schedule.invscaling)
        p.sgd.eta0 = try reader.number("eta0", default: 0.1, "a number > 0") { $0 > 0 }
        p.sgd.powerT = try reader.number("power_t", default: 0.5, "a number >= 0") { $0 >= 0 }
        p.sgd.epochs = try reader.integer("epochs", default: 1, minimum: 1)
        p.sgd.standardize = try reader.bool("running_scale", default: true)
        p.threshold = try reader.number("threshold", default: 0.5, "between 0 and 1 (exclusive)") { $0 > 0 && $0 < 1 }
        if p.sgd.schedule == .optimal && p.sgd.alpha == 0 {
            throw LearningError(.invalidHyperparameter, "learning_rate optimal needs alpha > 0")
        }
        return p
    }

    func prepareTarget(_ y: [Double], _ parameters: any FamilyParameters) throws -> [Double] {
        try LogisticRegression.checkBinary(y)
        return y
    }

    func start(featureNames: [String], _ parameters: any FamilyParameters) throws -> any OnlineEstimator {
        let p = try own(parameters, as: Parameters.self)
        return OnlineLogisticEstimator(
            learner: OnlineLogisticRegression(features: featureNames.count, parameters: p.sgd), threshold: p.threshold)
    }

    func fit(_ x: Matrix, _ y: [Double], names: [String], _ parameters: any FamilyParameters) throws -> (
        estimator: any Estimator, summary: TrainingSummary
    ) {
        var estimator = try start(featureNames: names, parameters)
        try estimator.partialFit(x, y)
        let epochs = try own(parameters, as: Parameters.self).sgd.epochs
        return (estimator, TrainingSummary(rows: y.count, iterations: epochs, converged: true, solver: "sgd"))
    }

    func decodeEstimator(from decoder: any Decoder, featureNames: [String], _ parameters: any FamilyParameters)
        throws -> any Estimator
    {
        let p = try own(parameters, as: Parameters.self)
        let container = try decoder.container(keyedBy: OnlineLogisticEstimator.CodingKeys.self)
        let learner = try container.decode(OnlineLogisticRegression.self, forKey: .state)
        guard learner.weights.count == featureNames.count, learner.parameters == p.sgd else {
            throw LearningError(
                .malformedArtifact, "online_logistic state does not match its features or hyperparameters")
        }
        return OnlineLogisticEstimator(learner: learner, threshold: p.threshold)
    }

    func caveats(_ parameters: any FamilyParameters) -> [String] {
        [
            "learnt by stochastic gradient descent in the order the rows came: its coefficients approach, "
                + "but do not equal, a batch logistic fit's, and have no standard errors"
        ]
    }
}

/// The online logistic body: the learner is the whole state.
struct OnlineLogisticEstimator: OnlineEstimator, Equatable {
    var learner: OnlineLogisticRegression
    let threshold: Double

    var rowsSeen: Int { learner.rows }

    mutating func partialFit(_ x: Matrix, _ y: [Double]) throws {
        try learner.partialFit(x, y)
    }

    func predict(encoded x: UnsafeBufferPointer<Double>) -> Prediction {
        prediction(learner.probability(Array(x)))
    }

    func predict(design: Matrix) -> [Prediction] {
        learner.probabilities(design).map(prediction)
    }

    private func prediction(_ p: Double) -> Prediction {
        .classification(probability: p, label: p > threshold ? 1 : 0)
    }

    var linearTerms: (coefficients: [Double], intercept: Double)? {
        let (weights, intercept) = learner.rawCoefficients
        return (weights, intercept)
    }

    func estimates(featureNames: [String]) throws -> [TermEstimate] {
        let (weights, intercept) = learner.rawCoefficients
        return [TermEstimate(term: "intercept", value: intercept)]
            + zip(featureNames, weights).map { TermEstimate(term: $0, value: $1) }
    }

    enum CodingKeys: String, CodingKey {
        case coefficients, intercept, state
    }

    /// Coefficients by feature name on the features' scale (for people), then the state.
    func encode(to encoder: any Encoder, featureNames: [String]) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        let (weights, intercept) = learner.rawCoefficients
        try container.encode(Dictionary(uniqueKeysWithValues: zip(featureNames, weights)), forKey: .coefficients)
        try container.encode(intercept, forKey: .intercept)
        try container.encode(learner, forKey: .state)
    }
}
