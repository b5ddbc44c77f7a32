import Foundation
import Learning
import Testing

@Suite("Metrics against scikit-learn")
struct MetricsTests {
    struct Reference: Decodable {
        let yTrue, scores: [Double]
        let accuracy, precision, recall, f1, rocAuc, logLoss, brier: Double
        let confusion: [[Int]]
        let regTrue, regPred: [Double]
        let rmse, mae, r2, mape, medianAe: Double
    }

    func reference() throws -> Reference {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Fixtures/metrics.json")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(Reference.self, from: Data(contentsOf: url))
    }

    @Test("classification metrics equal scikit-learn's to 1e-12, ties in the scores included")
    func classification() throws {
        let r = try reference()
        let m = ClassificationMetrics(truth: r.yTrue, probabilities: r.scores)
        expectClose(m.accuracy, r.accuracy, relative: 1e-12, "accuracy")
        expectClose(m.precision, r.precision, relative: 1e-12, "precision")
        expectClose(m.recall, r.recall, relative: 1e-12, "recall")
        expectClose(m.f1, r.f1, relative: 1e-12, "f1")
        expectClose(m.rocAUC ?? .nan, r.rocAuc, relative: 1e-12, "roc auc")
        expectClose(m.logLoss, r.logLoss, relative: 1e-12, "log loss")
        expectClose(m.brier, r.brier, relative: 1e-12, "brier")
        #expect(m.confusion == r.confusion)
    }

    @Test("regression metrics equal scikit-learn's to 1e-12")
    func regression() throws {
        let r = try reference()
        let m = RegressionMetrics(truth: r.regTrue, predictions: r.regPred)
        expectClose(m.rmse, r.rmse, relative: 1e-12, "rmse")
        expectClose(m.mae, r.mae, relative: 1e-12, "mae")
        expectClose(m.r2, r.r2, relative: 1e-12, "r2")
        expectClose(m.mape, r.mape, relative: 1e-12, "mape")
        expectClose(m.medianAbsoluteError, r.medianAe, relative: 1e-12, "median ae")
    }

    @Test("ROC AUC is undefined with one class")
    func aucOneClass() {
        #expect(ClassificationMetrics(truth: [1, 1], probabilities: [0.2, 0.9]).rocAUC == nil)
    }
}

@Suite("Splits, folds and grid search")
struct SplitsTests {
    @Test("a seeded split is reproducible, disjoint, complete, and the right size")
    func trainTest() {
        let a = Splits.trainTest(count: 1000, testFraction: 0.2, seed: 7)
        let b = Splits.trainTest(count: 1000, testFraction: 0.2, seed: 7)
        let c = Splits.trainTest(count: 1000, testFraction: 0.2, seed: 8)
        #expect(a.train == b.train && a.test == b.test)
        #expect(a.test != c.test)
        #expect(a.test.count == 200)
        #expect(Set(a.train).isDisjoint(with: a.test))
        #expect(Set(a.train + a.test) == Set(0..<1000))
    }

    @Test("stratification keeps each class's share in the test part")
    func stratified() {
        let labels = (0..<1000).map { $0 % 10 == 0 ? 1.0 : 0.0 }  // 10% positives
        let split = Splits.trainTest(count: 1000, testFraction: 0.25, seed: 1, stratifyBy: labels)
        let positives = split.test.filter { labels[$0] == 1 }.count
        #expect(positives == 25)
        #expect(split.test.count == 250)
    }

    @Test("k folds test every row exactly once")
    func kFold() {
        let folds = Splits.kFold(count: 103, folds: 5, seed: 3)
        #expect(folds.count == 5)
        let tested = folds.flatMap(\.test)
        #expect(tested.sorted() == Array(0..<103))
        #expect(folds.allSatisfy { Set($0.train).isDisjoint(with: $0.test) && $0.train.count + $0.test.count == 103 })
        #expect(folds.map(\.test.count).max()! - folds.map(\.test.count).min()! <= 1)
    }

    @Test("grid search scores every setting on the same folds")
    func gridSearch() throws {
        let folds = Splits.kFold(count: 20, folds: 4, seed: 1)
        var seenFolds: [String: [[Int]]] = [:]
        let results = GridSearch.evaluate(["a", "b"], folds: folds) { setting, train, test in
            seenFolds[setting, default: []].append(test)
            return setting == "a" ? Double(test.count) : 0
        }
        #expect(results.map(\.setting) == ["a", "b"])
        #expect(results[0].foldScores == [5, 5, 5, 5])
        #expect(results[0].mean == 5)
        #expect(seenFolds["a"] == seenFolds["b"])
    }
}
