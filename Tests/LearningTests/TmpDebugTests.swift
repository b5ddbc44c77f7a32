import Foundation
@testable import Learning
import Testing

@Test func tmpDebugCategorical() throws {
    let fixture = try GBDTFixture.load()
    var numeric: [String: NumericColumn] = [:]
    for j in 0..<3 {
        if j < 2 { let c = fixture.xMissing[j]; numeric["x\(j)"] = NumericColumn(c.map { $0 ?? 0 }, isMissing: c.map { $0 == nil }) } else { numeric["x\(j)"] = NumericColumn(fixture.x[j]) }
    }
    let data = TrainingData(numeric: numeric, categorical: ["level": fixture.level.map { Optional($0) }, "grade": fixture.gradeMissing], target: fixture.yRegressionCategorical)
    let model = try Model.train(kind: .gbdt, data: data, schema: FeatureSchema(numeric: ["x0", "x1", "x2"], categorical: ["level", "grade"]),
        hyperparameters: ["max_bin": .number(1024), "n_jobs": .number(1), "n_estimators": .number(15), "max_depth": .number(4), "learning_rate": .number(0.1), "reg_alpha": .number(0.5), "reg_lambda": .number(2), "min_child_weight": .number(5), "gamma": .number(0.2)])
    let e = model.estimator as! TreeEnsemble
    for (k, t) in e.trees.enumerated() {
        for n in 0..<t.nodeCount where t.categorySet[n] >= 0 {
            print("T", k + 1, n, t.feature[n], t.defaultLeft[n], t.categorySets[Int(t.categorySet[n])])
        }
    }
}

