/// Builds a `DataProfile` in one pass over rows: per-column figures stream into bounded
/// accumulators, every row's hash goes to the duplicate check, and a uniform sample (every
/// row up to `sampleLimit`) feeds the pairwise figures and the linked-column rule.
public struct DataProfiler: Sendable {
    public static let sampleLimit = 100_000
    /// Distinct rows the duplicate check remembers (16 bytes each); later rows are still
    /// checked against them.
    public static let duplicateLimit = 2_000_000
    /// Beyond this many numeric (or text) columns there is no correlation matrix and no
    /// linked-column check (they cost the square of the count).
    static let matrixLimit = 60
    /// Text columns with more levels than this get no Cramér's V (an id, a free text).
    static let levelLimitForAssociation = 1_000

    public let names: [String]
    public let target: String?
    let sampleLimit: Int
    private var columns: [ColumnAccumulator]
    public private(set) var rows = 0
    private var seen: Set<RowKey> = []
    private var duplicates = 0
    private var duplicatesExact = true
    private var sample: [[ProfileCell]] = []
    private var generator = SeededGenerator(seed: 0x7072_6f66_696c)

    public init(columns: [String], target: String? = nil, sampleLimit: Int = DataProfiler.sampleLimit) {
        names = columns
        self.target = target
        self.sampleLimit = sampleLimit
        self.columns = columns.map { ColumnAccumulator(name: $0) }
    }

    /// Adds a row (cells in column order); true when it equals an earlier row in every column.
    @discardableResult
    public mutating func add(_ row: [ProfileCell]) -> Bool {
        rows += 1
        var first = StableHash(seed: 0x1234_5678_9abc_def0)
        var second = StableHash(seed: 0x0fed_cba9_8765_4321)
        for (c, cell) in row.enumerated() {
            columns[c].add(cell)
            cell.hash(into: &first)
            cell.hash(into: &second)
        }
        let key = RowKey(first: first.value, second: second.value)
        var duplicate = false
        if seen.contains(key) {
            duplicates += 1
            duplicate = true
        } else if seen.count < Self.duplicateLimit {
            seen.insert(key)
        } else {
            duplicatesExact = false
        }
        if sample.count < sampleLimit {
            sample.append(row)
        } else {
            let j = Int(generator.next() % UInt64(rows))
            if j < sampleLimit { sample[j] = row }
        }
        return duplicate
    }

    public func finish() -> DataProfile {
        let summaries = columns.map { $0.summary() }
        var profile = DataProfile(
            rows: rows, columns: summaries, duplicateRows: duplicates, duplicatesExact: duplicatesExact,
            sampleRows: sample.count, target: target, targetAssociations: [], findings: [])
        let numeric = summaries.indices.filter { summaries[$0].type == .number && summaries[$0].numbers != nil }
        let text = summaries.indices.filter {
            summaries[$0].type == .text && summaries[$0].distinct <= Self.levelLimitForAssociation
        }
        let numbers = Dictionary(uniqueKeysWithValues: numeric.map { c in (c, sample.map { finite($0[c]) }) })
        let texts = Dictionary(
            uniqueKeysWithValues: text.map { c in
                (
                    c,
                    sample.map { row -> String? in
                        if case .text(let s) = row[c] { return s }
                        return nil
                    }
                )
            })
        if numeric.count >= 2, numeric.count <= Self.matrixLimit {
            let names = numeric.map { summaries[$0].name }
            let columns = numeric.map { numbers[$0]! }
            profile.pearson = Self.matrix(names, columns, Association.pearson)
            profile.spearman = Self.spearmanMatrix(names, columns)
        }
        if text.count >= 2, text.count <= Self.matrixLimit {
            let names = text.map { summaries[$0].name }
            let columns = text.map { texts[$0]! }
            profile.cramersV = Self.matrix(names, columns, Association.cramersV)
        }
        if let target, let t = summaries.firstIndex(where: { $0.name == target }) {
            profile.targetAssociations = associations(
                target: t, summaries: summaries, numbers: numbers, texts: texts
            ).sorted { $0.strength > $1.strength }
        }
        var findings = columns.flatMap { SuspiciousValues.columnFindings($0, rows: rows) }
        if duplicates > 0 {
            findings.append(
                Finding(
                    rule: .duplicateRows, columns: names, rows: duplicates, example: "",
                    message: "\(SuspiciousValues.rowCount(duplicates)) the same value as an earlier row in every column"
                        + (duplicatesExact ? "" : " (at least; more distinct rows came than the check keeps)"),
                    test: .duplicate))
        }
        if numeric.count <= Self.matrixLimit {
            findings += SuspiciousValues.linkedFindings(
                numeric.map { (summaries[$0].name, numbers[$0]!) }, sampled: rows > sample.count)
        }
        profile.findings = findings
        return profile
    }

    private func associations(
        target t: Int, summaries: [DataProfile.Column], numbers: [Int: [Double?]], texts: [Int: [String?]]
    ) -> [DataProfile.Association] {
        var out: [DataProfile.Association] = []
        for c in summaries.indices where c != t {
            var a = DataProfile.Association(column: summaries[c].name)
            if let y = numbers[t] {
                if let x = numbers[c] {
                    let (xs, ys) = Self.complete(x, y)
                    a.pearson = Association.pearson(xs, ys)
                    a.spearman = Association.spearman(xs, ys)
                } else if let g = texts[c] {
                    let (gs, ys) = Self.complete(g, y)
                    a.eta = Association.correlationRatio(groups: gs, values: ys)
                } else {
                    continue
                }
            } else if let g = texts[t] {
                if let x = numbers[c] {
                    let (gs, xs) = Self.complete(g, x)
                    a.eta = Association.correlationRatio(groups: gs, values: xs)
                } else if let h = texts[c] {
                    let (hs, gs) = Self.complete(h, g)
                    a.cramersV = Association.cramersV(hs, gs)
                } else {
                    continue
                }
            } else {
                continue
            }
            out.append(a)
        }
        return out
    }

    private func finite(_ cell: ProfileCell) -> Double? {
        guard let v = cell.number, v.isFinite else { return nil }
        return v
    }

    static func complete<A, B>(_ a: [A?], _ b: [B?]) -> ([A], [B]) {
        var xs: [A] = []
        var ys: [B] = []
        for i in a.indices {
            if let x = a[i], let y = b[i] {
                xs.append(x)
                ys.append(y)
            }
        }
        return (xs, ys)
    }

    static func matrix<T>(_ names: [String], _ columns: [[T?]], _ figure: ([T], [T]) -> Double?)
        -> DataProfile.Matrix
    {
        var values = [[Double?]](repeating: [Double?](repeating: nil, count: names.count), count: names.count)
        for i in names.indices {
            for j in names.indices where j >= i {
                let (a, b) = complete(columns[i], columns[j])
                values[i][j] = figure(a, b)
                values[j][i] = values[i][j]
            }
        }
        return DataProfile.Matrix(columns: names, values: values)
    }

    /// Spearman's ρ pairwise; a pair of columns without missing values shares ranks computed once.
    static func spearmanMatrix(_ names: [String], _ columns: [[Double?]]) -> DataProfile.Matrix {
        let full = columns.map { column in
            column.contains { $0 == nil } ? nil : Association.ranks(column.map { $0! })
        }
        var values = [[Double?]](repeating: [Double?](repeating: nil, count: names.count), count: names.count)
        for i in names.indices {
            for j in names.indices where j >= i {
                if let a = full[i], let b = full[j] {
                    values[i][j] = Association.pearson(a, b)
                } else {
                    let (a, b) = complete(columns[i], columns[j])
                    values[i][j] = Association.spearman(a, b)
                }
                values[j][i] = values[i][j]
            }
        }
        return DataProfile.Matrix(columns: names, values: values)
    }

    private struct RowKey: Hashable {
        var first: UInt64
        var second: UInt64
    }
}
