/// Every feature cut into at most `maxBin` bins, as XGBoost's `hist` method does before it
/// grows a tree: histogram boosting reads these small codes, never the values.
///
/// `cuts[f]` is ascending; a value's bin is how many cuts are <= it, so a split after bin b
/// sends x < cuts[f][b] left. With no more distinct values than bins, every distinct value
/// has its own bin and the cuts are the values themselves (binning is exact).
struct FeatureBins: Sendable {
    /// One byte a cell when every code fits, else two: the codes are read on every pass.
    enum Codes: Sendable {
        case narrow([UInt8])
        case wide([UInt16])
    }

    let rows: Int
    let features: Int
    let cuts: [[Double]]
    /// The histogram layout: feature f owns cells `offsets[f] ..< offsets[f] + cuts[f].count + 2`,
    /// its bins then one cell for its missing values.
    let offsets: [Int]
    let cellCount: Int
    /// Each cell's code, its bin or `missingCode(f)` for NaN: row by row (a row's features side
    /// by side, as histograms read them) and column by column (as partitions read them).
    let byRow: Codes
    let byColumn: Codes

    func binCount(_ f: Int) -> Int { cuts[f].count + 1 }
    func missingCode(_ f: Int) -> Int { cuts[f].count + 1 }

    /// `wideCodes`: two bytes a code even when one would do (tests compare the two).
    init(_ x: Matrix, maxBin: Int, threads: Int, wideCodes: Bool = false) {
        let n = x.rows
        let width = x.columns
        rows = n
        features = width
        var cuts = [[Double]](repeating: [], count: width)
        var hasMissing = [Bool](repeating: false, count: width)
        x.values.withUnsafeBufferPointer { values in
            let input = SharedPointer(values)
            cuts.withUnsafeMutableBufferPointer { cutsOut in
                hasMissing.withUnsafeMutableBufferPointer { missingOut in
                    let cutsSlot = SharedPointer(cutsOut)
                    let missingSlot = SharedPointer(missingOut)
                    concurrently(width, threads: threads) { f in
                        let column = UnsafeBufferPointer(start: input.base + f * n, count: n)
                        let present = Self.sortedPresent(column)
                        missingSlot[f] = present.count < n
                        cutsSlot[f] = Self.cuts(sorted: present, maxBin: maxBin)
                    }
                }
            }
        }
        self.cuts = cuts
        var offsets: [Int] = []
        var total = 0
        for f in 0..<width {
            offsets.append(total)
            total += cuts[f].count + 2
        }
        self.offsets = offsets
        cellCount = total
        let largestCode = (0..<width).map { hasMissing[$0] ? cuts[$0].count + 1 : cuts[$0].count }.max() ?? 0
        if largestCode <= Int(UInt8.max) && !wideCodes {
            (byColumn, byRow) = Self.codes(x, cuts: cuts, threads: threads, Codes.narrow)
        } else {
            (byColumn, byRow) = Self.codes(x, cuts: cuts, threads: threads, Codes.wide)
        }
    }

    /// The cuts of one feature's present values, sorted: the distinct values after the first
    /// when they fit in the bins, else quantiles, deduplicated.
    static func cuts(sorted present: [Double], maxBin: Int) -> [Double] {
        guard let first = present.first else { return [] }
        var distinct = 1
        var previous = first
        for v in present where v != previous {
            distinct += 1
            previous = v
            if distinct > maxBin { break }
        }
        var cuts: [Double] = []
        if distinct <= maxBin {
            previous = first
            for v in present where v != previous {
                cuts.append(v)
                previous = v
            }
        } else {
            for b in 1..<maxBin {
                let v = present[min(present.count - 1, b * present.count / maxBin)]
                if v > (cuts.last ?? -.infinity) && v > first { cuts.append(v) }
            }
        }
        return cuts
    }

    /// A column's values other than NaN, ascending: a least-significant-digit radix sort of
    /// the values' bits made order-preserving (a tenth of a comparison sort's time on a
    /// million rows; equal values compare equal either way, so the cuts are the same).
    static func sortedPresent(_ column: UnsafeBufferPointer<Double>) -> [Double] {
        var keys: [UInt64] = []
        keys.reserveCapacity(column.count)
        for v in column where !v.isNaN {
            let bits = v.bitPattern
            keys.append(bits >> 63 == 1 ? ~bits : bits | (1 << 63))
        }
        let n = keys.count
        var scratch = [UInt64](repeating: 0, count: n)
        let digitBits: UInt64 = 11
        let buckets = 1 << digitBits
        var counts = [Int](repeating: 0, count: buckets)
        var shift: UInt64 = 0
        while shift < 64 {
            for k in 0..<buckets { counts[k] = 0 }
            for key in keys { counts[Int((key >> shift) & UInt64(buckets - 1))] += 1 }
            // A digit every key shares moves nothing: skip the pass (the high bits, mostly).
            if !counts.contains(n) {
                var total = 0
                for k in 0..<buckets {
                    let c = counts[k]
                    counts[k] = total
                    total += c
                }
                keys.withUnsafeBufferPointer { source in
                    scratch.withUnsafeMutableBufferPointer { target in
                        for key in source {
                            let digit = Int((key >> shift) & UInt64(buckets - 1))
                            target[counts[digit]] = key
                            counts[digit] += 1
                        }
                    }
                }
                swap(&keys, &scratch)
            }
            shift += digitBits
        }
        return keys.map { key in Double(bitPattern: key >> 63 == 1 ? key & ~(1 << 63) : ~key) }
    }

    /// The codes column by column (a feature per thread), then transposed to rows.
    private static func codes<Code: FixedWidthInteger & UnsignedInteger & SendableMetatype>(
        _ x: Matrix, cuts: [[Double]], threads: Int, _ wrap: ([Code]) -> Codes
    ) -> (byColumn: Codes, byRow: Codes) {
        let n = x.rows
        let width = x.columns
        var byColumn = [Code](repeating: 0, count: n * width)
        var byRow = [Code](repeating: 0, count: n * width)
        x.values.withUnsafeBufferPointer { values in
            byColumn.withUnsafeMutableBufferPointer { columnOut in
                let input = SharedPointer(values)
                let output = SharedPointer(columnOut)
                concurrently(width, threads: threads) { f in
                    let featureCuts = cuts[f]
                    let missing = Code(truncatingIfNeeded: featureCuts.count + 1)
                    featureCuts.withUnsafeBufferPointer { c in
                        for i in 0..<n {
                            let v = input[f * n + i]
                            output[f * n + i] =
                                v.isNaN ? missing : Code(truncatingIfNeeded: upperBound(c, v))
                        }
                    }
                }
            }
            byColumn.withUnsafeBufferPointer { column in
                byRow.withUnsafeMutableBufferPointer { row in
                    for f in 0..<width {
                        for i in 0..<n { row[i * width + f] = column[f * n + i] }
                    }
                }
            }
        }
        return (wrap(byColumn), wrap(byRow))
    }

    /// How many cuts are <= v: a binary search that selects instead of branching.
    @inline(__always)
    static func upperBound(_ cuts: UnsafeBufferPointer<Double>, _ v: Double) -> Int {
        var base = 0
        var size = cuts.count
        while size > 0 {
            let half = size / 2
            let probe = base + half
            let goRight = cuts[probe] <= v
            base = goRight ? probe + 1 : base
            size = goRight ? size - half - 1 : half
        }
        return base
    }
}
