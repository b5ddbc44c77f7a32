/// What least squares needs from the data, kept centred for accuracy: the row count, the
/// means of (features, target) and their co-moment matrix. Two sets merge exactly (Chan et
/// al.'s pairwise update), so statistics built batch by batch equal those of all rows at once.
public struct SufficientStatistics: Sendable, Equatable, Codable {
    public private(set) var count: Int
    /// Means of the features, then of the target.
    public private(set) var means: [Double]
    /// Σ(zᵢ - z̄)(zᵢ - z̄)ᵀ for z = (features, target).
    public private(set) var comoments: Matrix

    /// Features in the statistics (the target is one more).
    public var featureCount: Int { means.count - 1 }

    public init(featureCount: Int) {
        count = 0
        means = [Double](repeating: 0, count: featureCount + 1)
        comoments = Matrix(rows: featureCount + 1, columns: featureCount + 1)
    }

    /// Statistics of `y` on the given columns of `x`.
    public init(_ x: Matrix, columns: [Int], y: [Double]) {
        let (means, comoments) = Kernels.centeredMoments(x, columns: columns, y: y)
        self.count = x.rows
        self.means = means
        self.comoments = comoments
    }

    /// Adds another set of rows' statistics.
    public mutating func merge(_ other: SufficientStatistics) {
        precondition(other.means.count == means.count, "statistics over different features")
        guard other.count > 0 else { return }
        guard count > 0 else {
            self = other
            return
        }
        let n1 = Double(count)
        let n2 = Double(other.count)
        let n = n1 + n2
        let delta = zip(other.means, means).map { $0 - $1 }
        let q = means.count
        for c in 0..<q {
            for d in 0..<q {
                comoments[c, d] += other.comoments[c, d] + delta[c] * delta[d] * n1 * n2 / n
            }
        }
        for c in 0..<q { means[c] += delta[c] * n2 / n }
        count += other.count
    }

    /// Σ xⱼxₖ, Σ xⱼy, Σ y² uncentred (for models without an intercept).
    func raw(_ c: Int, _ d: Int) -> Double {
        comoments[c, d] + Double(count) * means[c] * means[d]
    }
}

extension Matrix: Codable {
    enum CodingKeys: String, CodingKey { case rows, columns, values }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let rows = try container.decode(Int.self, forKey: .rows)
        let columns = try container.decode(Int.self, forKey: .columns)
        let values = try container.decode([Double].self, forKey: .values)
        guard rows >= 0, columns >= 0, values.count == rows * columns else {
            throw DecodingError.dataCorruptedError(
                forKey: .values, in: container, debugDescription: "\(values.count) values for \(rows) x \(columns)")
        }
        self.init(rows: rows, columns: columns)
        self.values = values
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rows, forKey: .rows)
        try container.encode(columns, forKey: .columns)
        try container.encode(values, forKey: .values)
    }
}
