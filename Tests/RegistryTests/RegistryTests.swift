import Foundation
import Learning
import Storage
import TestSupport
import Testing

@testable import Registry

/// Demo data loaded into a fresh database of each backend.
func withDemoDatabase<T>(_ backend: Backend, _ body: (any Database, ModelRegistry) throws -> T) throws -> T {
    try TestDatabase.with(backend) { database, _ throws in
        try Migrator(for: database).migrate(database)
        let folder = URL(fileURLWithPath: temporaryPath())
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for (dataset, rows) in [(DemoData.Dataset.click, 3_000), (.diamonds, 800), (.promotion, 600)] {
            for table in DemoData.generate(dataset, rows: rows) {
                let path = folder.appendingPathComponent("\(table.name).csv").path
                try table.csv.write(toFile: path, atomically: true, encoding: .utf8)
                _ = try CSVLoader(path: path, table: table.name).load(into: database)
            }
        }
        return try body(database, ModelRegistry(database))
    }
}

func pipeline(_ name: String) throws -> TrainingSpec {
    try TrainingSpec.load(path: TrainingSpecTests.repository.appendingPathComponent("pipelines/\(name).yaml").path)
}

@Suite("Registry end to end")
struct RegistryTests {
    @Test("the registry's list of its own tables is exactly what its migrations create", arguments: Backend.allCases)
    func ownTables(backend: Backend) throws {
        try TestDatabase.with(backend) { db, _ throws in
            try Migrator(for: db).migrate(db)
            let sql =
                db.dialect == .postgres
                // Tables, not the request log's day partitions (made by the writer, not a migration).
                ? "SELECT relname FROM pg_class WHERE relkind IN ('r', 'p') AND NOT relispartition AND relnamespace = current_schema()::regnamespace"
                : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            let tables = Set(try db.query(sql).compactMap { $0[0].string })
            #expect(tables == ModelRegistry.tables(in: db.dialect).union([Migrator.table]))
        }
    }

    @Test(
        "generate, load, train two logistic sets and a linear model, list, assign, roll back, export and import",
        arguments: Backend.allCases)
    func endToEnd(backend: Backend) throws {
        try withDemoDatabase(backend) { database, registry throws in
            let trainer = Trainer(registry: registry)
            let click = try trainer.train(try pipeline("click"), promotion: .always, by: "test")
            #expect(click.versions.map(\.version) == [1, 2])
            #expect(click.promoted != nil)
            // Log loss, not ROC AUC, picks the version whose probabilities can be read as rates.
            let balanced = try #require(
                click.versions.first { $0.hyperparameters["class_weight"] == .text("balanced") })
            #expect(click.promoted?.id != balanced.id, "\(click.promotionNote ?? "")")
            #expect(try balanced.model().caveats.first?.contains("not calibrated") == true)
            #expect(try click.promoted!.model().caveats.isEmpty)
            var linear = TrainingSpec(
                name: "diamonds", kind: .linear,
                query: "SELECT carat, cut, color, clarity, price FROM diamonds", target: "price")
            linear.crossValidationFolds = 5
            linear.hyperparameterSets = [
                ["method": .text("ols"), "target_transform": .text("log")],
                ["method": .text("ridge"), "alpha": .number(1), "target_transform": .text("log")],
            ]
            let diamonds = try trainer.train(linear, by: "test")
            #expect(diamonds.versions.map(\.version) == [1, 2])
            let ols = try diamonds.versions[0].model()
            #expect(ols.training.olsInference != nil)
            #expect(ols.featureNames.contains("cut=Ideal"))
            #expect(diamonds.versions[0].metrics.crossValidation?.folds == 5)
            // The generator's price rises with carat and with clarity (I1 worst, IF best).
            #expect((diamonds.versions[0].metrics.test?["r2"] ?? 0) > 0.85)
            let coefficient = { (name: String) in ols.namedCoefficients.first { $0.name == name }?.value ?? .nan }
            #expect(coefficient("carat") > 0.5)
            #expect(coefficient("clarity=IF") > coefficient("clarity=SI2"))

            let all = try registry.list()
            #expect(all.count == 4)
            #expect(all.filter(\.isProduction).map(\.id) == [click.promoted!.id])

            let other = click.versions.first { $0.id != click.promoted!.id }!
            let assignment = try registry.assign(id: other.id, by: "test")
            #expect(assignment.fromModelID == click.promoted!.id)
            #expect(try registry.production(name: "click")?.record.id == other.id)
            try registry.rollback(name: "click", by: "test")
            #expect(try registry.production(name: "click")?.record.id == click.promoted!.id)
            #expect(try registry.assignments(name: "click").count == 3)

            // Export and import: a new version whose predictions are bit-identical.
            let exported = try registry.export(id: other.id)
            let imported = try registry.importExport(exported)
            #expect(imported.name == "click")
            #expect(imported.version == 3)
            let a = try other.model()
            let b = try imported.model()
            let rows = try database.query(
                "SELECT apr, requested, annual_income, loan_purpose, credit, lender_id FROM offers JOIN leads USING (lead_uuid) LIMIT 25"
            )
            for row in rows {
                var features: [String: FeatureValue] = [:]
                for name in ["apr", "requested", "annual_income"] {
                    features[name] = row[name].double.map(FeatureValue.number) ?? .missing
                }
                features["loan_purpose"] = .text(row["loan_purpose"].string ?? "")
                features["credit"] = .text(row["credit"].string ?? "")
                features["lender_id"] = .number(row["lender_id"].double ?? 0)
                guard case .classification(let p, _) = try a.predict(features).prediction,
                    case .classification(let q, _) = try b.predict(features).prediction
                else { Issue.record("not classifications"); return }
                #expect(p.bitPattern == q.bitPattern)
            }
            #expect(imported.metrics == other.metrics)
            #expect(imported.dataFingerprint == other.dataFingerprint)
        }
    }

    @Test(
        "a stored row that does not decode is an error naming table, row and column, not a default",
        arguments: Backend.allCases)
    func undecodableRows(backend: Backend) throws {
        try withDemoDatabase(backend) { database, registry throws in
            let trained = try Trainer(registry: registry).train(try pipeline("promotion"))
            let id = trained.versions[0].id
            // Valid JSON of the wrong shape (Postgres stores metrics as JSON).
            try database.execute(
                "UPDATE models SET metrics = ? WHERE id = ?", [.text("{\"train\": \"x\"}"), .integer(id)])
            let error = #expect(throws: RegistryError.self) { try registry.record(id: id) }
            #expect(error?.message.contains("models: model \(id): column metrics does not decode") == true, "\(error!)")
            #expect(throws: RegistryError.self) { try registry.list() }
            // The other versions still read.
            #expect(try registry.record(id: trained.versions[1].id).version == trained.versions[1].version)
        }
    }

    @Test("the same spec on the same data gives the same coefficients and fingerprint", arguments: Backend.allCases)
    func reproducible(backend: Backend) throws {
        try withDemoDatabase(backend) { _, registry throws in
            let trainer = Trainer(registry: registry)
            let first = try trainer.train(try pipeline("promotion"))
            let second = try trainer.train(try pipeline("promotion"))
            #expect(first.fingerprint == second.fingerprint)
            for (a, b) in zip(first.versions, second.versions) {
                #expect(try a.model().coefficients == b.model().coefficients)
                #expect(a.version + 2 == b.version)
            }
            // Unpenalised promotion model: both traits matter, with statsmodels-style inference.
            let unpenalised = try #require(first.versions.first { $0.hyperparameters["penalty"] == .text("none") })
            let inference = try #require(try unpenalised.model().training.logisticInference)
            #expect(inference.pValues.dropFirst().allSatisfy { $0 < 1e-6 })
        }
    }

    @Test("the fingerprint is the same on both backends for the same rows")
    func fingerprintAcrossBackends() throws {
        let fingerprints = try Backend.allCases.map { backend in
            try withDemoDatabase(backend) { database, _ throws in
                try QueryDataReader.read(
                    database, query: try pipeline("promotion").query, target: "promoted",
                    features: FeatureSchema(numeric: ["network_ability", "competence"])
                ).fingerprint
            }
        }
        #expect(fingerprints[0] == fingerprints[1])
    }

    @Test("two trainers racing on one name get distinct versions", arguments: Backend.allCases)
    func racingTrainers(backend: Backend) throws {
        try withDemoDatabase(backend) { _, registry throws in
            var racing = try pipeline("promotion")
            racing.hyperparameterSets = [["penalty": .text("l2")]]
            let spec = racing
            let failures = Failures()
            DispatchQueue.concurrentPerform(iterations: 4) { _ in
                do {
                    _ = try Trainer(registry: registry).train(spec)
                } catch {
                    failures.add("\(error)")
                }
            }
            #expect(failures.all.isEmpty, "\(failures.all)")
            #expect(try registry.list(name: "promotion").map(\.version).sorted() == [1, 2, 3, 4])
        }
    }

    @Test("promote-if-better promotes only a version that beats production", arguments: Backend.allCases)
    func promoteIfBetter(backend: Backend) throws {
        try withDemoDatabase(backend) { _, registry throws in
            let trainer = Trainer(registry: registry)
            var spec = try pipeline("promotion")
            spec.hyperparameterSets = [["penalty": .text("none")]]
            let good = try trainer.train(spec, promotion: .ifBetter(metric: "log_loss"))
            #expect(good.promoted?.id == good.versions[0].id)  // nothing in production yet
            spec.hyperparameterSets = [["C": .number(0.0001)]]  // heavily shrunk: worse log loss
            let worse = try trainer.train(spec, promotion: .ifBetter(metric: "log_loss"))
            #expect(worse.promoted == nil)
            #expect(worse.promotionNote?.contains("does not beat production") == true)
            #expect(try registry.production(name: "promotion")?.record.id == good.versions[0].id)
            #expect(throws: RegistryError.self) { try trainer.train(spec, promotion: .ifBetter(metric: "vibes")) }
        }
    }

    @Test("bad training input is a clear error and registers nothing", arguments: Backend.allCases)
    func badInput(backend: Backend) throws {
        try withDemoDatabase(backend) { _, registry throws in
            let trainer = Trainer(registry: registry)
            func attempt(
                _ query: String, target: String = "promoted", kind: ModelKind = .logistic,
                features: FeatureSchema? = nil, hyperparameters: Hyperparameters = [:]
            ) -> any Error {
                var spec = TrainingSpec(name: "bad", kind: kind, query: query, target: target)
                spec.features = features
                spec.hyperparameterSets = [hyperparameters]
                do {
                    _ = try trainer.train(spec)
                    return TestSetupError("no error")
                } catch {
                    return error
                }
            }
            let sqlError = attempt("SELECT nope FROM promotion")
            #expect((sqlError as? DatabaseError)?.message.contains("nope") == true, "\(sqlError)")
            let noRows = attempt("SELECT network_ability, promoted FROM promotion WHERE id < 0")
            #expect((noRows as? RegistryError)?.code == .noData)
            let noTarget = attempt("SELECT network_ability FROM promotion")
            #expect(
                "\(noTarget)".contains(
                    "target 'promoted' is not a column of the query result (columns: network_ability)"))
            let noFeature = attempt(
                "SELECT network_ability, promoted FROM promotion", features: FeatureSchema(numeric: ["competence"]))
            #expect("\(noFeature)".contains("feature 'competence' is not a column"))
            let notBinary = attempt("SELECT network_ability, id AS promoted FROM promotion")
            #expect((notBinary as? LearningError)?.code == .nonBinaryTarget)
            let badParameter = attempt(
                "SELECT network_ability, promoted FROM promotion", hyperparameters: ["gamma": .number(1)])
            #expect("\(badParameter)".contains("unknown hyperparameter gamma for logistic"))
            let textFeature = attempt(
                "SELECT 'x' || id AS label, network_ability, promoted FROM promotion",
                features: FeatureSchema(numeric: ["label"]))
            #expect("\(textFeature)".contains("feature label is declared numeric but row 1 has text 'x1'"))
            #expect(try registry.list().isEmpty)
            #expect(throws: RegistryError.self) { try registry.assign(id: 424_242, by: "test") }
            let unknown = #expect(throws: RegistryError.self) { try registry.record(id: 424_242) }
            #expect(unknown?.message == "no model with id 424242")
        }
    }

    @Test("flags-form features: every column but the target, text columns categorical", arguments: Backend.allCases)
    func inferredFeatures(backend: Backend) throws {
        try withDemoDatabase(backend) { _, registry throws in
            var spec = TrainingSpec(
                name: "diamond-price", kind: .linear,
                query: "SELECT carat, cut, color, price FROM diamonds", target: "price")
            spec.split.testFraction = 0
            let result = try Trainer(registry: registry).train(spec)
            #expect(result.metricsOnTrainingData)
            #expect(
                result.versions[0].featureSchema == FeatureSchema(numeric: ["carat"], categorical: ["cut", "color"]))
            #expect(result.versions[0].metrics.evaluatedOn == "train")
        }
    }
}

@Suite("Training queries cannot reach the OS or the server's state")
struct TrainingQuerySafetyTests {
    @Test(
        "with a superuser URL, COPY TO PROGRAM, data-modifying CTEs and trailing statements change nothing",
        arguments: Backend.allCases)
    func refusedOnRealDatabases(backend: Backend) throws {
        try withDemoDatabase(backend) { database, registry in
            let marker = temporaryPath()
            let attempts = [
                "COPY (SELECT 1) TO PROGRAM 'touch \(marker)'",
                "SELECT clicked, age FROM leads; DELETE FROM models",
                backend == .postgres
                    ? "WITH gone AS (DELETE FROM leads RETURNING 1) SELECT 1 AS clicked, 2 AS age FROM gone"
                    : "ATTACH DATABASE '\(marker)' AS x",
            ]
            let before = try database.query("SELECT count(*) FROM leads")[0][0].int64
            for query in attempts {
                let spec = TrainingSpec(name: "attack", kind: .logistic, query: query, target: "clicked")
                #expect(throws: (any Error).self, "\(query)") { try Trainer(registry: registry).train(spec) }
            }
            #expect(!FileManager.default.fileExists(atPath: marker))
            #expect(try database.query("SELECT count(*) FROM leads")[0][0].int64 == before)
            #expect(try registry.list().isEmpty)
        }
    }

    @Test("a training query that runs past its timeout is stopped with a clear error")
    func timeout() throws {
        try withDemoDatabase(.postgres) { _, registry in
            let spec = TrainingSpec(
                name: "slow", kind: .logistic,
                query: "SELECT (g % 2) AS y, g AS x FROM generate_series(1, 10000000000) g ORDER BY random()",
                target: "y")
            let started = Date()
            do {
                _ = try Trainer(registry: registry, queryTimeout: 0.5).train(spec)
                Issue.record("the query was not stopped")
            } catch {
                #expect("\(error)".contains("statement timeout"), "\(error)")
            }
            #expect(Date().timeIntervalSince(started) < 10)
        }
    }
}

@Suite("Promotion ranks by the task's headline metric")
struct HeadlineMetricTests {
    @Test("for probabilities the headline is log loss: equal ranking (ROC AUC), worse calibration loses")
    func calibrationDecides() throws {
        // Labels with a 10% rate; a calibrated score, and the same ranking pushed towards 0.5
        // (what class weighting does): equal ROC AUC, far worse log loss.
        let truth = (0..<1_000).map { Double($0 % 10 == 0 ? 1 : 0) }
        let calibrated = truth.enumerated().map { i, y in
            y == 1 ? 0.3 + Double(i % 7) * 0.01 : 0.05 + Double(i % 13) * 0.01
        }
        let inflated = calibrated.map { 0.5 + ($0 - 0.5) * 0.2 }
        let a = ClassificationMetrics(truth: truth, probabilities: calibrated, threshold: 0.5)
        let b = ClassificationMetrics(truth: truth, probabilities: inflated, threshold: 0.5)
        #expect(a.rocAUC == b.rocAUC)
        let headline = ModelTask.binaryClassification.headlineMetric
        let score = { (m: ClassificationMetrics) in Evaluation.classification(m).named[headline]! }
        #expect(try MetricDirection.isBetter(score(a), than: score(b), on: headline))
        #expect(try !MetricDirection.isBetter(score(b), than: score(a), on: headline))
        #expect(ModelTask.regression.headlineMetric == "rmse")
    }
}

@Suite("A kind registered in a test goes through every layer")
struct RegisteredKindTests {
    @Test("Trainer, promotion by the task's headline metric, the registry and its documents take a new kind")
    func endToEnd() throws {
        ModelFamilies.register(MeanFamily())
        try withDemoDatabase(.sqlite) { _, registry in
            var spec = TrainingSpec(
                name: "mean_price", kind: MeanFamily.kind, query: "SELECT carat, price FROM diamonds", target: "price")
            spec.hyperparameterSets = [["shift": .number(0)], ["shift": .number(5_000)]]
            let result = try Trainer(registry: registry).train(spec, promotion: .always)
            #expect(result.versions.count == 2)
            // RMSE ranks them: the unshifted mean is the better constant.
            #expect(result.promoted?.hyperparameters["shift"] == .number(0), "\(result.promotionNote ?? "")")
            let record = try registry.record(id: result.promoted!.id)
            #expect(record.kind == MeanFamily.kind)
            #expect(record.metrics.test?["rmse"] != nil)
            let detail = try ModelDocuments.json(ModelDocuments.Detail(record))
            #expect(detail.contains("\"kind\":\"test_mean\""))
        }
    }
}

@Suite("The diamonds pipeline: linear, trees and tuned trees as versions of one name")
struct DiamondsPipelineTests {
    @Test(
        "pipelines/diamonds.yaml trains OLS on log(price), default trees and a TPE search; trees win; MAE promotes",
        arguments: Backend.allCases)
    func diamonds(backend: Backend) throws {
        try withDemoDatabase(backend) { database, registry in
            // The generator's default size, more than the shared demo database: the trees need
            // the rows to show their edge.
            let path = temporaryPath() + ".csv"
            defer { try? FileManager.default.removeItem(atPath: path) }
            try DemoData.generate(.diamonds)[0].csv.write(toFile: path, atomically: true, encoding: .utf8)
            _ = try CSVLoader(path: path, table: "diamonds", mode: .replace).load(into: database)
            var spec = try pipeline("diamonds")
            // The pipeline's search, shortened: eight trials of at most 80 trees.
            spec.models[2].search?.trials = 8
            spec.models[2].search?.space["n_estimators"] = .int(20, 80)
            let result = try Trainer(registry: registry).train(spec, promotion: .always)
            #expect(result.versions.map(\.kind) == [.linear, .gbdt, .gbdt])
            let mae = result.versions.map { $0.metrics.test?["mae"] ?? .infinity }
            let r2 = result.versions.map { $0.metrics.test?["r2"] ?? 0 }
            // As on the public diamonds data: trees beat the log-linear model.
            #expect(mae[1] < mae[0] && r2[1] > r2[0], "MAE \(mae), R² \(r2)")
            #expect(r2[0] > 0.85)
            // The spec's `promote: mae` ranks them.
            let promoted = try #require(result.promoted)
            #expect(promoted.metrics.test?["mae"] == mae.min())
            // The linear model has its own features; the trees the spec's nine.
            #expect(result.versions[0].featureSchema.numeric == ["carat", "x"])
            #expect(result.versions[1].featureSchema.all.count == 9)
            // Every trial is stored; the tuned version points at its trial.
            let trials = try registry.trials(name: "diamonds")
            #expect(trials.count == 8)
            #expect(trials.filter { $0.modelID == result.versions[2].id }.count == 1)
            // `models show` finds the search a version came out of; the other versions had none.
            #expect(try registry.search(producing: result.versions[2].id)?.map(\.number) == Array(0..<8))
            #expect(try registry.search(producing: result.versions[0].id) == nil)
            // Documents: coefficients for the linear model, importance for the trees.
            let linear = try ModelDocuments.json(ModelDocuments.Detail(result.versions[0]))
            #expect(linear.contains("\"coefficients\":{\"carat\":"))
            // The inference table is keyed by term, each term's figures together; the arrays
            // whose order a reader would have to know stay in the artifact.
            let document = try #require(
                try JSONSerialization.jsonObject(with: Data(linear.utf8)) as? [String: Any])
            let ols = try result.versions[0].model()
            let fit = try #require(ols.training.olsInference)
            let terms = try #require((document["inference"] as? [String: Any])?["terms"] as? [String: [String: Double]])
            #expect(Set(terms.keys) == Set(["intercept"] + ols.featureNames))
            let x = try #require(ols.featureNames.firstIndex(of: "x"))
            // (Foundation's JSON parser may round the last digit.)
            func same(_ a: Double?, _ b: Double) -> Bool { a.map { abs($0 - b) <= 1e-14 * max(1, abs(b)) } ?? false }
            #expect(same(terms["x"]?["coef"], ols.coefficients[x]))
            #expect(same(terms["x"]?["se"], fit.standardErrors[x + 1]))
            #expect(same(terms["x"]?["p"], fit.pValues[x + 1]))
            #expect(same(terms["intercept"]?["coef"], ols.intercept))
            #expect((document["training"] as? [String: Any])?["ols_inference"] == nil)
            let trees = try ModelDocuments.json(ModelDocuments.Detail(result.versions[1]))
            #expect(trees.contains("\"importance\":{\""))
            #expect(trees.contains("\"coefficients\":{}"))
            // Served from the artifact like any version.
            let row: [String: FeatureValue] = [
                "carat": .number(0.7), "depth": .number(61.5), "table_pct": .number(57), "x": .number(5.7),
                "y": .number(5.7), "z": .number(3.5), "cut": .text("Ideal"), "color": .text("G"),
                "clarity": .text("VS1"),
            ]
            let price = try result.versions[1].model().predict(row).prediction
            #expect({ if case .regression(let v) = price { v > 500 && v < 10_000 } else { false } }(), "\(price)")
        }
    }
}

@Suite("Hyperparameter search through the registry")
struct SearchPipelineTests {
    static let spec = """
        name: tuned
        kind: gbdt
        query: SELECT carat, cut, price FROM diamonds
        target: price
        split: {test_fraction: 0.2, seed: 7}
        hyperparameters:
          - {n_estimators: 30}
        search:
          sampler: tpe
          trials: 14
          seed: 3
          metric: mae
          register: 2
          space:
            learning_rate: {log_uniform: [0.01, 1.0]}
            max_depth: {int: [2, 6]}
            colsample_bytree: {choice: [0.5, 1.0]}
        """

    @Test(
        "every trial is stored with its score; the best two sets are refitted as versions, best first",
        arguments: Backend.allCases)
    func searchRegistersTheBest(backend: Backend) throws {
        try withDemoDatabase(backend) { _, registry in
            let spec = try TrainingSpec.parse(Self.spec)
            let result = try Trainer(registry: registry).train(spec)
            #expect(result.versions.count == 2)
            let trials = try registry.trials(name: "tuned")
            #expect(trials.map(\.number) == Array(0..<14))
            #expect(trials.allSatisfy { $0.state == "complete" && $0.score != nil && $0.metric == "mae" })
            #expect(trials.allSatisfy { $0.parameters["n_estimators"] == .number(30) })  // the base set
            let scores = trials.compactMap(\.score).sorted()
            let chosen = trials.filter { $0.modelID != nil }.sorted { $0.score! < $1.score! }
            #expect(chosen.map(\.score) == [scores[0], scores[1]])
            #expect(chosen.map(\.modelID) == result.versions.map(\.id))
            #expect(result.versions[0].hyperparameters == chosen[0].parameters)
        }
    }

    @Test("cv: {folds: 3} scores each trial by the mean over three folds; validation.seed moves the hold-out",
        arguments: Backend.allCases)
    func crossValidatedSearch(backend: Backend) throws {
        try withDemoDatabase(backend) { database, registry in
            let text = Self.spec.replacingOccurrences(of: "trials: 14", with: "trials: 4")
                .replacingOccurrences(of: "  metric: mae", with: "  metric: mae\n  cv: {folds: 3, seed: 5}")
            let spec = try TrainingSpec.parse(text)
            #expect(spec.search?.folds == 3)
            _ = try Trainer(registry: registry).train(spec)
            let trials = try registry.trials(name: "tuned")
            // The first trial's score, recomputed: fit on two folds, score the third, average.
            let rows = try database.query("SELECT carat, cut, price FROM diamonds")
            let all = TrainingData(
                numeric: ["carat": NumericColumn(rows.map { $0["carat"].double ?? .nan })],
                categorical: ["cut": rows.map { $0["cut"].string }], target: rows.map { $0["price"].double ?? .nan })
            let (train, _) = Splits.trainTest(count: all.count, testFraction: 0.2, seed: 7, stratifyBy: nil)
            let training = all.selecting(rows: train)
            var maes: [Double] = []
            for fold in Splits.kFold(count: training.count, folds: 3, seed: 5, stratifyBy: nil) {
                let model = try Model.train(
                    kind: .gbdt, data: training.selecting(rows: fold.train),
                    schema: FeatureSchema(numeric: ["carat"], categorical: ["cut"]), hyperparameters: trials[0].parameters)
                maes.append(try model.evaluate(on: training.selecting(rows: fold.test)).named["mae"]!)
            }
            let expected = maes.reduce(0, +) / 3
            #expect(abs((trials[0].score ?? .nan) - expected) <= 1e-9 * expected, "\(trials[0].score ?? .nan) vs \(expected)")
            // The same sampler seed with two hold-out seeds: the same first set, other rows.
            var scores: [Double] = []
            for holdout in [1, 2] {
                let named = Self.spec.replacingOccurrences(of: "trials: 14", with: "trials: 2")
                    .replacingOccurrences(of: "name: tuned", with: "name: held\(holdout)")
                    .replacingOccurrences(of: "  metric: mae", with: "  metric: mae\n  validation: {fraction: 0.25, seed: \(holdout)}")
                let spec = try TrainingSpec.parse(named)
                #expect(spec.search?.validationSeed == UInt64(holdout))
                _ = try Trainer(registry: registry).train(spec)
                let trial = try #require(try registry.trials(name: "held\(holdout)").first)
                #expect(trial.parameters == trials[0].parameters)
                scores.append(trial.score ?? .nan)
            }
            #expect(scores[0] != scores[1])
            // Both forms at once is refused.
            let both = text.replacingOccurrences(of: "  cv: {folds: 3, seed: 5}", with: "  cv: {folds: 3}\n  validation: {fraction: 0.3}")
            #expect(throws: SpecError.self) { try TrainingSpec.parse(both) }
        }
    }

    @Test("the median pruner stops trials worse than the median of completed ones at the same round")
    func medianPruner() {
        var lower = MedianPruner(higherIsBetter: false)
        for (k, value) in [5.0, 1, 4, 2].enumerated() {
            lower.completed([10: value, 20: value - 0.5])
            #expect(!lower.shouldPrune(100, at: 10), "pruned after only \(k + 1) trials")
        }
        lower.completed([10: 3])
        // Round 10: values 1...5, median 3. Round 20: four trials reached it, median 2.5.
        #expect(lower.shouldPrune(3.5, at: 10))
        #expect(!lower.shouldPrune(2.5, at: 10))
        #expect(lower.shouldPrune(2.6, at: 20))
        #expect(!lower.shouldPrune(2.4, at: 20))
        #expect(!lower.shouldPrune(1_000, at: 30))  // no completed trial reached round 30
        var higher = MedianPruner(higherIsBetter: true)
        for value in [0.5, 0.6, 0.7, 0.8, 0.9] { higher.completed([10: value]) }
        #expect(higher.shouldPrune(0.65, at: 10))
        #expect(!higher.shouldPrune(0.75, at: 10))
    }

    @Test(
        "with pruner: median, poor trials stop early, are stored as pruned, and never become versions",
        arguments: Backend.allCases)
    func pruning(backend: Backend) throws {
        try withDemoDatabase(backend) { _, registry in
            let text = Self.spec.replacingOccurrences(of: "{n_estimators: 30}", with: "{n_estimators: 120}")
                .replacingOccurrences(of: "  metric: mae", with: "  metric: mae\n  pruner: median")
                .replacingOccurrences(of: "[0.01, 1.0]", with: "[0.001, 1.0]")
            let spec = try TrainingSpec.parse(text)
            #expect(spec.search?.pruner == .median)
            let result = try Trainer(registry: registry).train(spec)
            let trials = try registry.trials(name: "tuned")
            let pruned = trials.filter { $0.state.hasPrefix("pruned at round ") }
            #expect(!pruned.isEmpty, "\(trials.map(\.state))")
            // Pruned at a reported round short of the 120, and never before five trials completed.
            for trial in pruned {
                let round = Int(trial.state.dropFirst("pruned at round ".count)) ?? 0
                #expect(round % MedianPruner.interval == 0 && round < 120, "\(trial.state)")
                #expect(trials.prefix(trial.number).filter { $0.state == "complete" }.count >= 5)
            }
            #expect(pruned.allSatisfy { $0.modelID == nil })
            let complete = trials.filter { $0.state == "complete" }.compactMap(\.score).sorted()
            #expect(
                result.versions.map { v in trials.first { $0.modelID == v.id }?.score } == [complete[0], complete[1]])
        }
    }

    @Test("a search space naming an unknown or invalid hyperparameter is refused with its line")
    func badSpace() {
        let unknown = Self.spec.replacingOccurrences(of: "max_depth: {int: [2, 6]}", with: "depth: {int: [2, 6]}")
        #expect(throws: SpecError.self) { try TrainingSpec.parse(unknown) }
        do {
            _ = try TrainingSpec.parse(unknown)
        } catch {
            #expect("\(error)".contains("gbdt has no hyperparameter depth"), "\(error)")
        }
        let invalid = Self.spec.replacingOccurrences(of: "[0.01, 1.0]", with: "[0.01, 5.0]")
        do {
            _ = try TrainingSpec.parse(invalid)
            Issue.record("learning_rate 5 accepted")
        } catch {
            #expect("\(error)".contains("learning_rate"), "\(error)")
        }
    }
}
