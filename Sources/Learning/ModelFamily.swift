/// A kind of model, behind one protocol: its task, the hyperparameters it takes, how it
/// fits on a design and how its fitted body is read back from an artifact. Preprocessing
/// (imputation, scaling, one-hot) is shared and happens before; the family sees encoded
/// rows. Register one in `ModelFamilies` and every layer knows the kind.
public protocol ModelFamily: Sendable {
    var kind: ModelKind { get }
    var task: ModelTask { get }

    /// Reads and checks this family's own hyperparameters; the shared preprocessing ones
    /// are read by `ModelSettings`, and names nobody reads are reported there.
    func parameters(_ reader: inout HyperparameterReader) throws -> any FamilyParameters

    /// Checks the target and maps it to the scale the fit works on (a log transform, say).
    func prepareTarget(_ y: [Double], _ parameters: any FamilyParameters) throws -> [Double]

    /// Fits on a design whose first column is all ones when `parameters.fitIntercept`;
    /// `names` label its columns (for errors and inference tables).
    func fit(_ x: Matrix, _ y: [Double], names: [String], _ parameters: any FamilyParameters) throws -> (
        estimator: any Estimator, summary: TrainingSummary
    )

    /// The same fit with what the context says of the design: category code columns (for
    /// a family that encodes categories as codes) and a watch to report to as it goes (for
    /// a family that fits in rounds). The default ignores it.
    func fit(
        _ x: Matrix, _ y: [Double], names: [String], _ parameters: any FamilyParameters, context: FitContext
    ) throws -> (estimator: any Estimator, summary: TrainingSummary)

    /// Reads the fitted body from its artifact form (written by `Estimator.encode`).
    func decodeEstimator(from decoder: any Decoder, featureNames: [String], _ parameters: any FamilyParameters)
        throws -> any Estimator

    /// Cautions about reading the model's output, for people.
    func caveats(_ parameters: any FamilyParameters) -> [String]

    /// The task a hyperparameter set makes of this kind (an objective may choose it);
    /// `task` when the kind has one task.
    func task(for parameters: any FamilyParameters) -> ModelTask

    /// Whether the family takes missing values as they are (NaN in the design), so
    /// `missing: native` is its default and imputation is not needed.
    var handlesMissingValues: Bool { get }
}

extension ModelFamily {
    /// The parameters as this family's own type (they always are, when read by it).
    func own<P: FamilyParameters>(_ parameters: any FamilyParameters, as type: P.Type) throws -> P {
        guard let own = parameters as? P else {
            throw LearningError(.invalidHyperparameter, "\(kind) was given another family's parameters")
        }
        return own
    }

    public func fit(
        _ x: Matrix, _ y: [Double], names: [String], _ parameters: any FamilyParameters, context: FitContext
    ) throws -> (estimator: any Estimator, summary: TrainingSummary) {
        try fit(x, y, names: names, parameters)
    }

    public func caveats(_ parameters: any FamilyParameters) -> [String] { [] }
    public func task(for parameters: any FamilyParameters) -> ModelTask { task }
    public var handlesMissingValues: Bool { false }
}

/// A family's checked hyperparameters.
public protocol FamilyParameters: Sendable {
    /// Whether the design gets a leading column of ones.
    var fitIntercept: Bool { get }
    /// Whether categoricals drop their first level unless told (unpenalised fits, where the
    /// full one-hot set is collinear with the intercept).
    var dropsFirstLevel: Bool { get }
    /// Probability above which a classifier's label is 1.
    var labelThreshold: Double { get }
    /// How categoricals enter the design (one-hot unless the family splits on codes).
    var categoryEncoding: Preprocessor.CategoryEncoding { get }
    func isEqual(to other: any FamilyParameters) -> Bool
}

extension FamilyParameters {
    public var labelThreshold: Double { 0.5 }
    public var categoryEncoding: Preprocessor.CategoryEncoding { .oneHot }
}

extension FamilyParameters where Self: Equatable {
    public func isEqual(to other: any FamilyParameters) -> Bool { (other as? Self) == self }
}

/// A fitted model body: encoded row in, prediction out.
public protocol Estimator: Sendable {
    /// Predicts one encoded row (`Preprocessor.width` values).
    func predict(encoded: UnsafeBufferPointer<Double>) -> Prediction
    /// Predicts every row of a design (column-major, no intercept column).
    func predict(design: Matrix) -> [Prediction]
    /// Writes the body for its artifact; `featureNames` name the encoded columns.
    func encode(to encoder: any Encoder, featureNames: [String]) throws
    func isEqual(to other: any Estimator) -> Bool
    /// The body's intercept and one coefficient per encoded feature, on the features' own
    /// scale, when it is linear in them (reports and documents show them); nil otherwise.
    var linearTerms: (coefficients: [Double], intercept: Double)? { get }
}

extension Estimator {
    public var linearTerms: (coefficients: [Double], intercept: Double)? { nil }
}

extension Estimator where Self: Equatable {
    public func isEqual(to other: any Estimator) -> Bool { (other as? Self) == self }
}
