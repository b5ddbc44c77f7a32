import ArgumentParser
import Foundation
import Learning
import Registry

/// `modelserve similar`: the training rows of the production version nearest to a row, as
/// `POST /similar` answers them.
struct Similar: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The n training rows most similar to a row, from the production version's kept samples.",
        discussion: """
            The version's spec says what similar means: similar: {match: [cut, color, clarity], nearest: [carat]} \
            keeps the training rows, and a query answers the rows sharing every match value, nearest on the \
            nearest columns.
            """)

    @Option(help: "The model name (its production version answers).") var model: String
    @Option(help: "The row, as a JSON object: {\"carat\": 0.7, \"cut\": \"Ideal\", ...}.") var features: String
    @Option(name: .short, help: "How many rows.") var n = 5
    @Flag(help: "A JSON array instead of a table.") var json = false
    @OptionGroup var options: DatabaseOptions

    func validate() throws {
        guard (1...SimilarSamples.maximumN).contains(n) else {
            throw ValidationError("-n must be from 1 to \(SimilarSamples.maximumN)")
        }
    }

    func run() throws {
        try options.withRegistry { registry in
            guard let production = try registry.production(name: model) else {
                throw RegistryError(.noProduction, "\(model) has no production version")
            }
            guard let samples = try registry.samples(modelID: production.record.id) else {
                throw RegistryError(
                    .notFound,
                    "\(model) version \(production.record.version) keeps no samples: add similar: to its spec")
            }
            guard let object = try? JSONSerialization.jsonObject(with: Data(features.utf8)) as? [String: Any] else {
                throw ValidationError("--features must be a JSON object")
            }
            var row: [String: FeatureValue] = [:]
            for (name, value) in object {
                switch value {
                case let text as String: row[name] = .text(text)
                case let number as NSNumber: row[name] = .number(number.doubleValue)
                case is NSNull: row[name] = .missing
                default: throw ValidationError("--features: \(name) must be a number, a string or null")
                }
            }
            let found = try samples.nearest(to: row, n: n)
            if json {
                let rows = found.map { hit -> [String: Any] in
                    var out: [String: Any] = ["distance": hit.distance]
                    for (c, name) in samples.columns.enumerated() {
                        switch samples.values[c][hit.row] {
                        case .number(let v): out[name] = v
                        case .text(let s): out[name] = s
                        case .null: out[name] = NSNull()
                        }
                    }
                    return out
                }
                let data = try JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys])
                Console.out(String(decoding: data, as: UTF8.self))
                return
            }
            guard !found.isEmpty else {
                Console.out(
                    "no training row of \(model) has these \(samples.spec.match.joined(separator: ", ")) values")
                return
            }
            var table = TextTable(samples.columns + ["distance"])
            for hit in found {
                table.add(
                    samples.columns.indices.map { c in
                        switch samples.values[c][hit.row] {
                        case .number(let v): formatNumber(v)
                        case .text(let s): s
                        case .null: "-"
                        }
                    } + [formatNumber(hit.distance)])
            }
            Console.out(
                "\(found.count) of \(model) version \(production.record.version)'s training rows nearest on "
                    + samples.spec.nearest.joined(separator: ", "))
            Console.out(table.rendered)
        }
    }

    private func formatNumber(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(format: "%.4g", v)
    }
}
