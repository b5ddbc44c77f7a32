/// Columns aligned for a terminal: left for text, right for numbers.
struct TextTable {
    var headers: [String]
    var rows: [[String]] = []

    init(_ headers: [String]) {
        self.headers = headers
    }

    mutating func add(_ row: [String]) {
        rows.append(row)
    }

    var rendered: String {
        let widths = headers.indices.map { i in
            ([headers[i]] + rows.map { i < $0.count ? $0[i] : "" }).map(\.count).max() ?? 0
        }
        func numeric(_ i: Int) -> Bool {
            rows.allSatisfy {
                i >= $0.count || $0[i].isEmpty || $0[i] == "-" || Double($0[i].filter { $0 != "," }) != nil
            }
        }
        let alignRight = headers.indices.map(numeric)
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: max(0, widths[i] - cell.count))
                return alignRight[i] ? pad + cell : cell + pad
            }.joined(separator: "  ").replacing(/\s+$/, with: "")
        }
        return ([line(headers), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line)).joined(
            separator: "\n")
    }
}

/// A metric for a table cell: 4 significant digits, "-" when absent.
func metricText(_ value: Double?) -> String {
    guard let value else { return "-" }
    return String(format: "%.4g", value)
}
