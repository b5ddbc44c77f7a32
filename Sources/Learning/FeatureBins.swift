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

    /// Each feature's smallest and largest present value.
    let bounds: [(low: Double, high: Double)]

    /// The threshold of a split after bin `b` (x < threshold goes left). Bin -1 and the last
    /// bin are XGBoost's extra candidates when values are missing: every present value right,
    /// or every one left, with thresholds just outside the values as XGBoost's cuts place them.
    func threshold(_ f: Int, after b: Int) -> Double {
        if b < 0 { return bounds[f].low - (abs(bounds[f].low) + 1e-5) }
        if b >= cuts[f].count { return bounds[f].high + (abs(bounds[f].high) + 1e-5) }
        return cuts[f][b]
    }
    func missingCode(_ f: Int) -> Int { cuts[f].count + 1 }

    /// `wideCodes`: two bytes a code even when one would do (tests compare the two).
    /// Features that hold category codes, with their number of codes: each code is its own
    /// bin (cuts 1, 2, ..., count - 1), whatever `maxBin` is.
    let categoryCounts: [Int: Int]

    func isCategorical(_ f: Int) -> Bool { categoryCounts[f] != nil }

    init(
        _ x: Matrix, maxBin: Int, threads: Int, categoryCounts: [Int: Int] = [:], wideCodes: Bool = false
    ) {
        self.categoryCounts = categoryCounts
        let n = x.rows
        let width = x.columns
        rows = n
        features = width
        var cuts = [[Double]](repeating: [], count: width)
        var hasMissing = [Bool](repeating: false, count: width)
        var bounds = [(low: Double, high: Double)](repeating: (0, 0), count: width)
        x.values.withUnsafeBufferPointer { values in
            let input = SharedPointer(values)
            cuts.withUnsafeMutableBufferPointer { cutsOut in
                hasMissing.withUnsafeMutableBufferPointer { missingOut in
                    bounds.withUnsafeMutableBufferPointer { boundsOut in
                        let cutsSlot = SharedPointer(cutsOut)
                        let missingSlot = SharedPointer(missingOut)
                        let boundsSlot = SharedPointer(boundsOut)
                        concurrently(width, threads: threads) { f in
                            let column = UnsafeBufferPointer(start: input.base + f * n, count: n)
                            var low = Double.infinity
                            var high = -Double.infinity
                            for v in column where !v.isNaN {
                                low = min(low, v)
                                high = max(high, v)
                            }
                            boundsSlot[f] = (low, high)
                            if let count = categoryCounts[f] {
                                missingSlot[f] = column.contains { $0.isNaN }
                                cutsSlot[f] = (1..<max(1, count)).map(Double.init)
                                return
                            }
                            let (featureCuts, missing) = Self.cuts(column, maxBin: maxBin)
                            missingSlot[f] = missing
                            cutsSlot[f] = featureCuts
                        }
                    }
                }
            }
        }
        self.cuts = cuts
        self.bounds = bounds
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

    /// Above this many present values, quantile cuts come from a sample of this size (as
    /// LightGBM's `bin_construct_sample_cnt`): a rank error near 0.1%, a quarter of a bin.
    static let quantileSample = 1 << 18

    /// One feature's cuts, and whether it has missing values. Few distinct values (at most
    /// `maxBin`) are found exactly by a bounded hash set whatever the row count; otherwise the
    /// cuts are quantiles of the sorted values, or of a fixed-seed sample of them.
    static func cuts(_ column: UnsafeBufferPointer<Double>, maxBin: Int) -> (cuts: [Double], missing: Bool) {
        var present = 0
        for v in column where !v.isNaN { present += 1 }
        let missing = present < column.count
        if let distinct = distinctValues(column, limit: maxBin) {
            return (Array(distinct.sorted().dropFirst()), missing)
        }
        if present <= quantileSample {
            return (cuts(sorted: sortedPresent(column), maxBin: maxBin), missing)
        }
        var generator = SeededGenerator(seed: 0x5eed_b175)
        var sample: [Double] = []
        sample.reserveCapacity(quantileSample)
        while sample.count < quantileSample {
            let v = column[Int(generator.next() % UInt64(column.count))]
            if !v.isNaN { sample.append(v) }
        }
        return (sample.withUnsafeBufferPointer { cuts(sorted: sortedPresent($0), maxBin: maxBin) }, missing)
    }

    /// The distinct present values (-0 counted as 0), or nil as soon as there are more than
    /// `limit`: an open-addressing set of bit patterns, so a continuous column stops early.
    static func distinctValues(_ column: UnsafeBufferPointer<Double>, limit: Int) -> [Double]? {
        var capacity = 16
        while capacity < 2 * (limit + 1) { capacity <<= 1 }
        let mask = capacity - 1
        var slots = [UInt64](repeating: 0, count: capacity)
        var used = [Bool](repeating: false, count: capacity)
        var values: [Double] = []
        for v in column where !v.isNaN {
            let bits = (v + 0).bitPattern
            var slot = Int(truncatingIfNeeded: (bits &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask
            while used[slot] && slots[slot] != bits { slot = (slot + 1) & mask }
            if !used[slot] {
                if values.count == limit { return nil }
                used[slot] = true
                slots[slot] = bits
                values.append(v + 0)
            }
        }
        return values
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
            // Transposed a block of rows per thread.
            byColumn.withUnsafeBufferPointer { column in
                byRow.withUnsafeMutableBufferPointer { row in
                    let input = SharedPointer(column)
                    let output = SharedPointer(row)
                    let chunk = 1 << 14
                    concurrently((n + chunk - 1) / chunk, threads: threads) { c in
                        let rows = (c * chunk)..<min(n, (c + 1) * chunk)
                        for f in 0..<width {
                            for i in rows { output[i * width + f] = input[f * n + i] }
                        }
                    }
                }
            }
        }
        return (wrap(byColumn), wrap(byRow))
    }

    /// How many cuts are <= v: a binary search that selects instead of branching.
    /// The answer stays in lo...lo + length, and the number of steps depends only on the
    /// cut count, so the loop's branch is always predicted.
    @inline(__always)
    static func upperBound(_ cuts: UnsafeBufferPointer<Double>, _ v: Double) -> Int {
        guard cuts.count > 0 else { return 0 }
        var lo = 0
        var length = cuts.count
        while length > 1 {
            let half = length / 2
            lo = cuts[lo + half] <= v ? lo + half : lo
            length -= half
        }
        return cuts[lo] <= v ? lo + 1 : lo
    }
}
