/// A dense matrix of doubles stored column by column.
///
/// Column-major because every kernel the learners need (X'v, Xβ, X'WX, coordinate
/// descent) walks whole feature columns; rows are only read one at a time.
public struct Matrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    /// Element (i, j) is at `values[j * rows + i]`.
    public var values: [Double]

    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        self.rows = rows
        self.columns = columns
        values = [Double](repeating: value, count: rows * columns)
    }

    /// Builds from columns of equal length.
    public init(columns: [[Double]]) {
        self.columns = columns.count
        rows = columns.first?.count ?? 0
        values = []
        values.reserveCapacity(rows * self.columns)
        for column in columns {
            precondition(column.count == rows, "columns of unequal length")
            values.append(contentsOf: column)
        }
    }

    /// Builds from rows of equal length (tests and small problems).
    public init(rows: [[Double]]) {
        self.rows = rows.count
        columns = rows.first?.count ?? 0
        values = [Double](repeating: 0, count: self.rows * columns)
        for (i, row) in rows.enumerated() {
            precondition(row.count == columns, "rows of unequal length")
            for (j, v) in row.enumerated() { values[j * self.rows + i] = v }
        }
    }

    public subscript(row: Int, column: Int) -> Double {
        get { values[column * rows + row] }
        set { values[column * rows + row] = newValue }
    }

    public func column(_ j: Int) -> ArraySlice<Double> {
        values[(j * rows)..<((j + 1) * rows)]
    }

    public func row(_ i: Int) -> [Double] {
        (0..<columns).map { values[$0 * rows + i] }
    }

    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for i in 0..<n { m[i, i] = 1 }
        return m
    }

    /// The matrix with only the given rows, in order (for train/test splits and folds).
    public func selecting(rows indices: [Int]) -> Matrix {
        var out = Matrix(rows: indices.count, columns: columns)
        values.withUnsafeBufferPointer { source in
            out.values.withUnsafeMutableBufferPointer { target in
                for j in 0..<columns {
                    let s = j * rows
                    let t = j * indices.count
                    for (k, i) in indices.enumerated() { target[t + k] = source[s + i] }
                }
            }
        }
        return out
    }

    /// Matrix product (small matrices: p x p algebra).
    public static func * (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.columns == b.rows)
        var out = Matrix(rows: a.rows, columns: b.columns)
        for j in 0..<b.columns {
            for k in 0..<a.columns {
                let bkj = b[k, j]
                if bkj == 0 { continue }
                for i in 0..<a.rows { out[i, j] += a[i, k] * bkj }
            }
        }
        return out
    }

    /// Matrix-vector product for small matrices.
    public func multiply(_ v: [Double]) -> [Double] {
        precondition(v.count == columns)
        var out = [Double](repeating: 0, count: rows)
        for j in 0..<columns where v[j] != 0 {
            for i in 0..<rows { out[i] += self[i, j] * v[j] }
        }
        return out
    }

    public var transposed: Matrix {
        var out = Matrix(rows: columns, columns: rows)
        for i in 0..<rows { for j in 0..<columns { out[j, i] = self[i, j] } }
        return out
    }

    public var diagonal: [Double] {
        (0..<min(rows, columns)).map { self[$0, $0] }
    }
}
