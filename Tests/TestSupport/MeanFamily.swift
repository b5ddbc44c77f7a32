import Foundation
public import Learning

/// A fourth kind, defined here and nowhere else: it predicts the training mean, shifted by
/// a hyperparameter. Registering it is all it takes for training, prediction and artifacts.
public struct MeanFamily: ModelFamily {
    public init() {}

    public struct Parameters: FamilyParameters, Equatable {
        var shift = 0.0
        public var fitIntercept: Bool { false }
        public var dropsFirstLevel: Bool { false }
    }

    public struct Body: Estimator, Equatable {
        let mean: Double
        public func predict(encoded: UnsafeBufferPointer<Double>) -> Prediction { .regression(value: mean) }
        public func predict(design: Matrix) -> [Prediction] { Array(repeating: .regression(value: mean), count: design.rows) }
        public func encode(to encoder: any Encoder, featureNames: [String]) throws {
            var container = encoder.singleValueContainer()
            try container.encode(mean)
        }
    }

    public static let kind = ModelKind(defining: "test_mean")
    public var kind: ModelKind { Self.kind }
    public let task = ModelTask.regression

    public func parameters(_ reader: inout HyperparameterReader) throws -> any FamilyParameters {
        Parameters(shift: try reader.number("shift", default: 0, "a number") { _ in true })
    }

    public func prepareTarget(_ y: [Double], _ parameters: any FamilyParameters) throws -> [Double] { y }

    public func fit(_ x: Matrix, _ y: [Double], names: [String], _ parameters: any FamilyParameters) throws -> (
        estimator: any Estimator, summary: TrainingSummary
    ) {
        let shift = (parameters as? Parameters)?.shift ?? 0
        let body = Body(mean: y.reduce(0, +) / Double(y.count) + shift)
        return (body, TrainingSummary(rows: y.count, iterations: 1, converged: true, solver: "mean"))
    }

    public func decodeEstimator(from decoder: any Decoder, featureNames: [String], _ parameters: any FamilyParameters)
        throws -> any Estimator
    {
        Body(mean: try decoder.singleValueContainer().decode(Double.self))
    }
}
