/// A fit's inference keyed by term, as people and JSON readers want it: each term's
/// coefficient with its standard error (and HC3 error for OLS), test statistic, p value and
/// 95% interval, and the fit's statistics by name. The artifact keeps statsmodels' parallel
/// arrays; this is the one place that pairs them with names.
public struct InferenceTable: Sendable, Equatable, Encodable {
    public struct Term: Sendable, Equatable, Encodable {
        public var coefficient: Double
        public var standardError: Double
        public var robustStandardError: Double?
        /// t for OLS, z for logistic (`InferenceTable.test`).
        public var statistic: Double
        public var pValue: Double
        public var confidenceLow: Double
        public var confidenceHigh: Double

        enum CodingKeys: String, CodingKey {
            case coefficient = "coef", standardError = "se", robustStandardError = "se_hc3", statistic
            case pValue = "p", confidenceLow = "ci_low", confidenceHigh = "ci_high"
        }
    }

    public enum Test: String, Sendable, Encodable {
        case t, z
    }

    public var test: Test
    /// In design order: the intercept (named "intercept") first when there is one.
    public var terms: [(name: String, term: Term)]
    public var statistics: [String: Double]

    public static func == (a: InferenceTable, b: InferenceTable) -> Bool {
        a.test == b.test && a.statistics == b.statistics && a.terms.map(\.name) == b.terms.map(\.name)
            && a.terms.map(\.term) == b.terms.map(\.term)
    }

    enum CodingKeys: String, CodingKey {
        case test, terms, statistics
    }

    private struct Name: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// `{"test": "t", "terms": {"carat": {"coef", "se", "statistic", "p", "ci_low", "ci_high"}}, "statistics": {...}}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(test, forKey: .test)
        try container.encode(statistics, forKey: .statistics)
        var byName = container.nestedContainer(keyedBy: Name.self, forKey: .terms)
        for (name, term) in terms { try byName.encode(term, forKey: Name(stringValue: name)) }
    }
}

extension Model {
    /// The inference table of an unpenalised linear or logistic fit, else nil.
    public var inferenceTable: InferenceTable? {
        let names = ["intercept"] + featureNames
        let values = [intercept] + coefficients
        func terms(
            _ se: [Double], _ robust: [Double]?, _ statistic: [Double], _ p: [Double], _ low: [Double], _ high: [Double]
        ) -> [(name: String, term: InferenceTable.Term)]? {
            guard [se.count, statistic.count, p.count, low.count, high.count].allSatisfy({ $0 == names.count }) else {
                return nil
            }
            return names.indices.map { i in
                (
                    names[i],
                    InferenceTable.Term(
                        coefficient: values[i], standardError: se[i], robustStandardError: robust?[i],
                        statistic: statistic[i], pValue: p[i], confidenceLow: low[i], confidenceHigh: high[i])
                )
            }
        }
        if let f = training.olsInference,
            let table = terms(
                f.standardErrors, f.robustStandardErrors, f.tValues, f.pValues, f.confidenceLow, f.confidenceHigh)
        {
            return InferenceTable(
                test: .t, terms: table,
                statistics: [
                    "r_squared": f.rSquared, "adjusted_r_squared": f.adjustedRSquared, "f_statistic": f.fStatistic,
                    "f_p_value": f.fPValue, "log_likelihood": f.logLikelihood, "aic": f.aic, "bic": f.bic,
                    "residual_standard_error": f.residualStandardError, "condition_number": f.conditionNumber,
                    "df_resid": f.residualDegreesOfFreedom, "observations": Double(f.observations),
                ])
        }
        if let f = training.logisticInference,
            let table = terms(f.standardErrors, nil, f.zValues, f.pValues, f.confidenceLow, f.confidenceHigh)
        {
            return InferenceTable(
                test: .z, terms: table,
                statistics: [
                    "log_likelihood": f.logLikelihood, "null_log_likelihood": f.nullLogLikelihood,
                    "llr_p_value": f.likelihoodRatioPValue, "pseudo_r_squared": f.pseudoRSquared,
                ])
        }
        return nil
    }
}
