import API
import ArgumentParser
import Foundation
import Learning
import Registry
import Storage

/// `modelserve models ...`: the registry from the command line.
struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, inspect, assign, roll back, export and import model versions.",
        subcommands: [
            List.self, Show.self, Card.self, Assign.self, Current.self, Rollback.self, Export.self, Import.self,
            Compare.self, Trials.self,
        ]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Versions with their key metrics; * marks production.")
        @Option(help: "Only this model name.") var name: String?
        @Flag(help: "A JSON array instead of a table.") var json = false
        @OptionGroup var options: DatabaseOptions

        func run() throws {
            try options.withRegistry { registry in
                let records = try registry.list(name: name)
                if json {
                    Console.out(try ModelDocuments.json(records.map { ModelDocuments.Summary($0) }, pretty: true))
                } else if records.isEmpty {
                    Console.out(name.map { "no versions of \($0)" } ?? "no models yet: train one with modelserve train")
                } else {
                    Console.out(RecordTable.versions(records, markProduction: true))
                }
            }
        }
    }

    struct Trials: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every trial of the latest hyperparameter search of a name: the set, its score, its state.")
        @Argument(help: "Model name.") var name: String
        @OptionGroup var options: DatabaseOptions

        func run() throws {
            try options.withRegistry { registry in
                let trials = try registry.trials(name: name)
                guard let first = trials.first else {
                    Console.out("no search has run for \(name)")
                    return
                }
                Console.out(
                    "search \(first.runID): \(trials.count) trials (\(first.sampler)), validation \(first.metric)")
                let pruned = trials.filter { $0.state.hasPrefix("pruned") }.count
                if pruned > 0 { Console.out("\(pruned) trials were pruned (stopped early, worse than the median)") }
                var table = TextTable(["trial", first.metric, "seconds", "version id", "state", "hyperparameters"])
                for t in trials {
                    table.add([
                        String(t.number), metricText(t.score), String(format: "%.2f", t.seconds),
                        t.modelID.map(String.init) ?? "", t.state == "complete" ? "" : t.state, t.parameters.summary,
                    ])
                }
                Console.out(table.rendered)
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Everything about a version: metrics, coefficients by feature, inference.")
        @Argument(help: "Model id.") var id: Int64
        @Flag(help: "One JSON object.") var json = false
        @OptionGroup var options: DatabaseOptions

        func run() throws {
            try options.withRegistry { registry in
                let record = try registry.record(id: id)
                if json {
                    Console.out(try ModelDocuments.json(ModelDocuments.Detail(record), pretty: true))
                    return
                }
                Console.out(try ModelReport.text(record, search: try registry.search(producing: record.id)))
            }
        }
    }

    struct Card: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A version's model card: purpose, caveats, metrics, coefficients or importance, data profile.",
            discussion: """
                Writes the card as an HTML page (charts included, nothing fetched) with --html, or prints it as JSON. \
                The same page is GET /models/{id} in a browser.
                """)
        @Argument(help: "Model id.") var id: Int64
        @Option(help: "Write the card as an HTML page to this file.") var html: String?
        @OptionGroup var options: DatabaseOptions

        func run() throws {
            try options.withRegistry { registry in
                let card = try ModelCard(registry: registry, id: id, withQuery: true)
                let json = try ModelDocuments.json(card, pretty: html == nil)
                guard let html else {
                    Console.out(json)
                    return
                }
                let page = ModelCardPage.html(card: json, title: "\(card.record.name) version \(card.record.version)")
                try page.write(toFile: html, atomically: true, encoding: .utf8)
                Console.out(
                    "wrote \(html): \(card.record.name) version \(card.record.version), \(card.caveats.count) caveat\(card.caveats.count == 1 ? "" : "s")"
                )
            }
        }
    }

    struct Assign: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a version production for its name.")
        @Argument(help: "Model id.") var id: Int64
        @Flag(help: "JSON output.") var json = false
        @OptionGroup var options: DatabaseOptions

        func run() throws {
            try options.withRegistry { registry in
                let assignment = try registry.assign(id: id, by: Identity.current)
                try report(assignment, registry, json: json)
            }
        }
    }

    struct Current: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The production version of each name (or of one).")
        @Option(help: "Only this model name.") var name: String?
        @Flag(help: "JSON output.") var json = false
        @OptionGroup var options: DatabaseOptions

        func run() throws {
            try options.withRegistry { registry in
                var productions = try registry.productions()
                if let name { productions = productions.filter { $0.record.name == name } }
                if productions.isEmpty {
                    throw RegistryError(
                        .noProduction,
                        name.map { "model \($0) has no production version" } ?? "no production versions yet")
                }
                if json {
                    let documents = productions.map {
                        ModelDocuments.Summary($0.record, assignedAt: $0.assignedAt, withSchema: true)
                    }
                    Console.out(
                        name == nil
                            ? try ModelDocuments.json(documents, pretty: true)
                            : try ModelDocuments.json(documents[0], pretty: true))
                } else {
                    Console.out(RecordTable.versions(productions.map(\.record)))
                }
            }
        }
    }

    struct Rollback: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Point production back at the version before the latest assignment.")
        @Argument(help: "Model name.") var name: String
        @Flag(help: "JSON output.") var json = false
        @OptionGroup var options: DatabaseOptions

        func run() throws {
            try options.withRegistry { registry in
                try report(try registry.rollback(name: name, by: Identity.current), registry, json: json)
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a version as a JSON document (artifact and registry record).")
        @Argument(help: "Model id.") var id: Int64
        @OptionGroup var options: DatabaseOptions

        func run() throws {
            try options.withRegistry { registry in
                Console.out(String(decoding: try registry.export(id: id), as: UTF8.self))
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register an exported version as the next version of its name.")
        @Argument(help: "The export file (- for standard input).") var file: String
        @Option(help: "Register under this name instead.") var name: String?
        @Flag(help: "JSON output.") var json = false
        @OptionGroup var options: DatabaseOptions

        func run() throws {
            try options.withRegistry { registry in
                let data: Data
                if file == "-" {
                    data = FileHandle.standardInput.readDataToEndOfFile()
                } else if let contents = FileManager.default.contents(atPath: file) {
                    data = contents
                } else {
                    throw RegistryError(.invalidExport, "cannot read \(file)")
                }
                let record = try registry.importExport(data, name: name)
                if json {
                    Console.out(try ModelDocuments.json(ModelDocuments.Summary(record), pretty: true))
                } else {
                    Console.out("imported as \(record.name) version \(record.version) (id \(record.id))")
                }
            }
        }
    }

    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Metrics and coefficients of two versions side by side.")
        @Argument(help: "First model id.") var first: Int64
        @Argument(help: "Second model id.") var second: Int64
        @Flag(help: "JSON output.") var json = false
        @OptionGroup var options: DatabaseOptions

        func run() throws {
            try options.withRegistry { registry in
                let a = try registry.record(id: first)
                let b = try registry.record(id: second)
                if json {
                    Console.out(
                        try ModelDocuments.json(
                            ["first": try ModelDocuments.Detail(a), "second": try ModelDocuments.Detail(b)],
                            pretty: true))
                } else {
                    Console.out(try ModelReport.comparison(a, b))
                }
            }
        }
    }
}

/// Prints an assignment as a line or JSON.
private func report(_ assignment: ModelRegistry.Assignment, _ registry: ModelRegistry, json: Bool) throws {
    let to = try registry.record(id: assignment.toModelID)
    if json {
        Console.out(
            try ModelDocuments.json(ModelDocuments.AssignmentDocument(assignment, version: to.version), pretty: true))
        return
    }
    let from = try assignment.fromModelID.map { try registry.record(id: $0) }
    Console.out(
        "\(assignment.name): production is now version \(to.version) (id \(to.id))"
            + (from.map { ", was version \($0.version) (id \($0.id))" } ?? ", first assignment"))
}
