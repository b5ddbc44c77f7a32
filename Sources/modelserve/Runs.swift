import ArgumentParser
import Foundation
import Registry

/// `modelserve runs`: online training runs and their convergence.
struct Runs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Online training runs: list them, or show one's terms, metrics and collider note.",
        subcommands: [List.self, Show.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Runs, newest first.")
        @Option(help: "How many.") var limit = 50
        @OptionGroup var options: DatabaseOptions

        func run() throws {
            try options.withRegistry { registry in
                let runs = try TrainingRuns(registry: registry).list(limit: limit)
                guard !runs.isEmpty else {
                    Console.out("no online runs yet: modelserve ingest --spec pipelines/promotion-online.yaml")
                    return
                }
                var table = TextTable(["id", "name", "status", "batches", "rows", "through page", "updated"])
                for run in runs {
                    table.add([
                        String(run.id), run.name, run.status.rawValue, run.batches.formatted(),
                        run.rowsSeen.formatted(),
                        String(run.nextPage), run.updatedAt.formatted(.iso8601),
                    ])
                }
                Console.out(table.rendered)
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A run's final terms (with SE, p and CI where defined), progressive metrics and collider note.")
        @Argument(help: "The run's id.") var id: Int64
        @OptionGroup var options: DatabaseOptions

        func run() throws {
            try options.withRegistry { registry in
                let runs = TrainingRuns(registry: registry)
                let run = try runs.run(id: id)
                let last = try runs.checkpoints(of: id, after: run.batches - 1, limit: 1).first
                Console.out(RunReport.text(run, last: last))
            }
        }
    }
}
