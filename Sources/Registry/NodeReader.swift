import Foundation
import Learning
import Yams

/// Typed reads from YAML nodes, each failure naming the field and its line. Meaning is
/// checked once, by `TrainingSpec.validate`, after reading; the lines of the fields read are
/// kept so that its errors point into the file too.
final class NodeReader {
    let file: String?
    private(set) var lines: [String: Int] = [:]

    init(file: String?) {
        self.file = file
    }

    /// A spec file's text, or an error naming the file.
    static func text(path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SpecError(file: path, field: "file", message: "cannot read the spec file (missing or unreadable)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SpecError(file: path, field: "file", message: "the spec file is not UTF-8 text")
        }
        return text
    }

    /// The YAML document's root node; an empty document or bad YAML is an error with its line.
    static func compose(_ text: String, file: String?) throws -> Node {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw SpecError(file: file, line: 1, field: "spec", message: "the spec is empty")
            }
            return node
        } catch let error as YamlError {
            throw SpecError(file: file, line: line(of: error), field: "syntax", message: problem(of: error))
        }
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        default: nil
        }
    }

    private static func problem(of error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _):
            "not valid YAML: \(problem)"
        default: "not valid YAML: \(error)"
        }
    }

    /// The line of a field, or of the nearest enclosing field that was read.
    func line(of field: String) -> Int? {
        var path = field
        while !path.isEmpty {
            if let line = lines[path] { return line }
            guard let cut = path.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
            path = String(path[..<cut])
        }
        return nil
    }

    func error(_ node: Node, _ field: String, _ message: String) -> SpecError {
        SpecError(file: file, line: node.mark?.line, field: field, message: message)
    }

    func mapping(_ node: Node, _ field: String) throws -> [String: Node] {
        guard let mapping = node.mapping else { throw error(node, field, "must be a mapping of keys to values") }
        lines[field] = node.mark?.line
        var out: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.string else { throw error(key, field, "keys must be text") }
            out[name] = value
        }
        return out
    }

    func allow(_ map: [String: Node], _ keys: [String], _ field: String) throws {
        for (key, value) in map where !keys.contains(key) {
            let path = field == "spec" ? key : "\(field).\(key)"
            throw error(value, path, "unknown field; valid: \(keys.joined(separator: ", "))")
        }
    }

    func required(_ map: [String: Node], _ key: String, in parent: Node) throws -> Node {
        guard let node = map[key] else { throw error(parent, key, "is required") }
        return node
    }

    func string(_ node: Node, _ field: String) throws -> String {
        guard let scalar = node.scalar, !scalar.string.isEmpty else { throw error(node, field, "must be text") }
        return scalar.string
    }

    func strings(_ node: Node, _ field: String) throws -> [String] {
        guard let sequence = node.sequence else { throw error(node, field, "must be a list of column names") }
        return try sequence.map { try string($0, field) }
    }

    func number(_ node: Node, _ field: String) throws -> Double {
        guard let scalar = node.scalar, let value = Double(scalar.string), value.isFinite else {
            throw error(node, field, "must be a number")
        }
        return value
    }

    func integer(_ node: Node, _ field: String) throws -> Int {
        guard let scalar = node.scalar, let value = Int(scalar.string) else {
            throw error(node, field, "must be a whole number")
        }
        return value
    }

    func bool(_ node: Node, _ field: String) throws -> Bool {
        guard let value = node.bool else { throw error(node, field, "must be true or false") }
        return value
    }

    func features(_ node: Node, _ field: String) throws -> FeatureSchema {
        let map = try mapping(node, field)
        try allow(map, ["numeric", "categorical"], field)
        let schema = FeatureSchema(
            numeric: try map["numeric"].map { try strings($0, "\(field).numeric") } ?? [],
            categorical: try map["categorical"].map { try strings($0, "\(field).categorical") } ?? [])
        if schema.all.isEmpty { throw error(node, field, "lists no features") }
        if let duplicate = Dictionary(grouping: schema.all, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw error(node, field, "lists '\(duplicate)' twice")
        }
        return schema
    }
}
