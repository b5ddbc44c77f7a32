import ArgumentParser
import Foundation
import Learning
import Registry
import Storage

/// `modelserve train`: one model version per hyperparameter set, from a spec file or flags.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train model versions from a SQL query and register them.",
        discussion: """
            With --spec FILE (YAML or JSON; see pipelines/), or with flags: --name, --kind, \
            --query, --target and --param name=value (repeat it; name=a,b,c tries each value, \
            every combination is a version). With flags, every selected column but the target \
            is a feature and text columns are categorical. A test fraction of 0 trains on every \
            row and reports metrics on the training data.
            """
    )

    @Option(help: "A training spec (YAML or JSON).")
    var spec: String?

    @Option(help: "Model name.")
    var name: String?

    @Option(help: "Model kind: \(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var kind: String?

    @Option(help: "The SQL query that returns the target and the features.")
    var query: String?

    @Option(help: "The target column.")
    var target: String?

    @Option(name: .customLong("param"), help: "A hyperparameter, name=value; name=v1,v2 for a grid.")
    var params: [String] = []

    @Option(help: "Columns to treat as categorical (comma-separated).")
    var categorical: String?

    @Option(help: "Share of rows held out for testing (0 trains on all rows).")
    var testFraction: Double?

    @Option(help: "Seed of the train/test split.")
    var seed: UInt64?

    @Flag(help: "Make the best new version production.")
    var promote = false

    @Option(help: "Seconds the training query may run before the database stops it.")
    var queryTimeout = 300.0

    @Option(help: "Make the best new version production only if it beats production on this metric.")
    var promoteIfBetter: String?

    @Flag(help: "Print the new versions as JSON.")
    var json = false

    @OptionGroup var options: DatabaseOptions

    func validate() throws {
        if spec == nil {
            for (value, flag) in [(name, "--name"), (kind, "--kind"), (query, "--query"), (target, "--target")]
            where value == nil {
                throw ValidationError("\(flag) is required without --spec")
            }
            if let kind, ModelKind(rawValue: kind) == nil {
                throw ValidationError(
                    "unknown kind '\(kind)'; valid: \(ModelKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        if promote && promoteIfBetter != nil { throw ValidationError("use --promote or --promote-if-better, not both") }
        for param in params where !param.contains("=") {
            throw ValidationError("--param \(param): expected name=value")
        }
    }

    func makeSpec() throws -> TrainingSpec {
        var spec: TrainingSpec
        if let path = self.spec {
            spec = try TrainingSpec.load(path: path)
        } else {
            spec = TrainingSpec(name: name!, kind: ModelKind(rawValue: kind!)!, query: query!, target: target!)
            spec.categoricalHints =
                categorical?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } ?? []
            var grid: [String: [HyperparameterValue]] = [:]
            for param in params {
                let parts = param.split(separator: "=", maxSplits: 1).map(String.init)
                grid[parts[0]] = parts[1].split(separator: ",").map { HyperparameterValue(parsing: String($0)) }
            }
            let count = grid.values.reduce(1) { $0 * $1.count }
            guard count <= maximumGridSets else {
                throw ValidationError("--param values make \(count) combinations; at most \(maximumGridSets)")
            }
            spec.hyperparameterSets = hyperparameterGrid(grid)
        }
        if let testFraction { spec.split.testFraction = testFraction }
        if let seed { spec.split.seed = seed }
        return spec
    }

    func run() throws {
        try Console.run {
            let spec = try makeSpec()
            let database = try options.openRegistry()
            defer { database.close() }
            let progress = ProgressLine()
            let promotion: Trainer.Promotion =
                promote ? .always : promoteIfBetter.map { .ifBetter(metric: $0) } ?? .none
            let source = try options.openTrainingSource()
            defer { source?.close() }
            let trainer = Trainer(registry: ModelRegistry(database), source: source, queryTimeout: queryTimeout)
            let result = try trainer.train(
                spec, promotion: promotion, by: Identity.current
            ) { progress.update($0) }
            progress.finish()
            if json {
                Console.out(try ModelDocuments.json(result.versions.map { ModelDocuments.Summary($0) }, pretty: true))
                return
            }
            Console.out(
                "trained \(result.versions.count) version\(result.versions.count == 1 ? "" : "s") of \(spec.name) on "
                    + "\(result.rows.formatted()) rows (data \(result.fingerprint.prefix(12)))")
            if result.metricsOnTrainingData { Console.out("note: test fraction 0: metrics are on the training data") }
            if let cleaning = result.cleaning { Console.out(RecordTable.cleaning(cleaning)) }
            Console.out(RecordTable.versions(result.versions))
            if let note = result.promotionNote { Console.out(note) }
        }
    }
}

/// Who is acting, for the assignment history.
enum Identity {
    static var current: String {
        let env = ProcessInfo.processInfo.environment
        return "cli:" + (env["USER"] ?? env["LOGNAME"] ?? "unknown")
    }
}
