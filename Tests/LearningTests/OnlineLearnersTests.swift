import Foundation
import Learning
import Testing

@Suite("Online learners")
struct OnlineLearnersTests {
    @Test("incremental OLS after every batch equals batch OLS on the rows seen (1e-9)")
    func incrementalEqualsBatch() throws {
        let fixture = try Fixture.load("well_conditioned")
        let y = fixture.yLinear!
        var learner = IncrementalLinearRegression(featureNames: fixture.features)
        var seen = 0
        for size in [37, 1, 120, 42, 300] {
            let end = min(fixture.rows.count, seen + size)
            try learner.partialFit(Matrix(rows: Array(fixture.rows[seen..<end])), Array(y[seen..<end]))
            seen = end
            let online = try learner.fit()
            let batch = try LinearRegression().fit(
                Matrix(rows: fixture.rows[0..<seen].map { [1] + $0 }), Array(y[0..<seen]), interceptColumn: 0)
            guard seen > fixture.features.count + 1 else { continue }
            expectClose(online.coefficients, batch.coefficients, relative: 1e-9, "coefficients after \(seen) rows")
            let a = try #require(online.inference)
            let b = try #require(batch.inference)
            expectClose(a.standardErrors, b.standardErrors, relative: 1e-9, "SE after \(seen)")
            expectClose(a.pValues, b.pValues, relative: 1e-9, absolute: 1e-300, "p after \(seen)")
            expectClose(a.rSquared, b.rSquared, relative: 1e-9, "R² after \(seen)")
            expectClose(a.fStatistic, b.fStatistic, relative: 1e-9, "F after \(seen)")
        }
        // And at the end, statsmodels itself.
        expectClose(try learner.fit().coefficients, fixture.ols!.params, relative: 1e-8, "vs statsmodels")
    }

    @Test("SGD logistic regression learns: progressive log loss falls and accuracy nears the batch fit")
    func sgdConverges() throws {
        let fixture = try Fixture.load("imbalanced")
        var parameters = OnlineLogisticRegression.Parameters()
        parameters.schedule = .optimal
        parameters.alpha = 1e-3
        var learner = OnlineLogisticRegression(features: fixture.features.count, parameters: parameters)
        var validation = ProgressiveMetrics(task: .binaryClassification)
        var first: [String: Double] = [:]
        for epoch in 0..<5 {
            for start in stride(from: 0, to: fixture.rows.count, by: 100) {
                let rows = Array(fixture.rows[start..<min(start + 100, fixture.rows.count)])
                let labels = Array(fixture.yLogistic[start..<min(start + 100, fixture.rows.count)])
                if epoch == 0 {
                    let batch = validation.record(truth: labels, predicted: rows.map(learner.probability))
                    if first.isEmpty { first = batch }
                }
                try learner.partialFit(rows, labels)
            }
        }
        #expect(validation.batches == 20)
        #expect(validation.cumulative["log_loss"]! < first["log_loss"]!)
        let online = ClassificationMetrics(
            truth: fixture.yLogistic, probabilities: fixture.rows.map(learner.probability))
        let reference = fixture.logistic.first { $0.penalty == "l2" && $0.C == 1 && $0.classWeight == "none" }!
        let batch = ClassificationMetrics(truth: fixture.yLogistic, probabilities: reference.probabilities)
        #expect(abs(online.logLoss - batch.logLoss) < 0.01, "online \(online.logLoss) vs batch \(batch.logLoss)")
        #expect(abs((online.rocAUC ?? 0) - (batch.rocAUC ?? 0)) < 0.025)
    }

    @Test("online learners refuse bad batches")
    func badBatches() {
        var sgd = OnlineLogisticRegression(features: 2)
        #expect(throws: LearningError.self) { try sgd.partialFit([[1, 2]], [2]) }
        #expect(throws: LearningError.self) { try sgd.partialFit([[1, .nan]], [1]) }
        #expect(throws: LearningError.self) { try sgd.partialFit([[1]], [1]) }
        var ols = IncrementalLinearRegression(featureNames: ["a"])
        #expect(throws: LearningError.self) { try ols.partialFit(Matrix(rows: [[1], [2]]), [1]) }
    }
}
