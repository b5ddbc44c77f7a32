/// The rows one tree is grown on, grouped by node: every node owns a contiguous range of
/// `rows`, and splitting it reorders the range stably into its left rows, then its right
/// rows. Rows stay ascending within a node, so histogram builds walk memory forwards.
struct RowPartition {
    private(set) var rows: [Int32]
    private var lefts: [Int32]
    private var rights: [Int32]

    init(_ rows: [Int32]) {
        self.rows = rows
        lefts = [Int32](repeating: 0, count: rows.count)
        rights = [Int32](repeating: 0, count: rows.count)
    }

    var count: Int { rows.count }

    /// One node's split: its range, and the feature and bin it splits after.
    struct Cut {
        var range: Range<Int>
        var feature: Int
        var bin: Int
        var defaultLeft: Bool
        /// A categorical split: which codes go right (indexed by code).
        var goesRight: [Bool]? = nil
    }

    /// Splits each range in place and returns how many of its rows went left. Large ranges are
    /// cut into blocks that sort their rows into scratch buffers concurrently, then are copied
    /// back in block order, which keeps the partition stable.
    mutating func split(_ cuts: [Cut], bins: FeatureBins, threads: Int) -> [Int] {
        let threads = threadsWorth(cuts.reduce(0) { $0 + $1.range.count }, threads)
        let units = blocks(cuts.map(\.range), threads: threads)
        var leftCounts = [Int](repeating: 0, count: units.count)
        rows.withUnsafeMutableBufferPointer { rowBuffer in
            lefts.withUnsafeMutableBufferPointer { leftBuffer in
                rights.withUnsafeMutableBufferPointer { rightBuffer in
                    leftCounts.withUnsafeMutableBufferPointer { countBuffer in
                        let rowsShared = SharedPointer(rowBuffer)
                        let leftShared = SharedPointer(leftBuffer)
                        let rightShared = SharedPointer(rightBuffer)
                        let counts = SharedPointer(countBuffer)
                        concurrently(units.count, threads: threads) { u in
                            let unit = units[u]
                            counts[u] = bins.sort(
                                unit.rows, by: cuts[unit.owner], rows: rowsShared, lefts: leftShared,
                                rights: rightShared)
                        }
                        // Where each block's lefts and rights land in its node's range.
                        let destinations = Self.destinations(units, counts: counts, cuts: cuts)
                        concurrently(units.count, threads: threads) { u in
                            let block = units[u].rows
                            let leftCount = counts[u]
                            let (left, right) = destinations[u]
                            (rowsShared.base + left).update(from: leftShared.base + block.lowerBound, count: leftCount)
                            (rowsShared.base + right).update(
                                from: rightShared.base + block.lowerBound, count: block.count - leftCount)
                        }
                    }
                }
            }
        }
        var result = [Int](repeating: 0, count: cuts.count)
        for (u, unit) in units.enumerated() { result[unit.owner] += leftCounts[u] }
        return result
    }

    /// Where each block's lefts and rights start: a node's lefts fill the front of its range
    /// in block order, its rights the rest.
    private static func destinations(
        _ units: [(owner: Int, rows: Range<Int>)], counts: SharedPointer<Int>, cuts: [Cut]
    ) -> [(left: Int, right: Int)] {
        var nodeLefts = [Int](repeating: 0, count: cuts.count)
        for (u, unit) in units.enumerated() { nodeLefts[unit.owner] += counts[u] }
        var left = cuts.map(\.range.lowerBound)
        var right = cuts.indices.map { cuts[$0].range.lowerBound + nodeLefts[$0] }
        return units.enumerated().map { u, unit in
            defer {
                left[unit.owner] += counts[u]
                right[unit.owner] += unit.rows.count - counts[u]
            }
            return (left[unit.owner], right[unit.owner])
        }
    }
}

extension FeatureBins {
    /// Sorts one block's rows into its part of the left and right scratch buffers; returns
    /// how many went left.
    fileprivate func sort(
        _ block: Range<Int>, by cut: RowPartition.Cut, rows: SharedPointer<Int32>, lefts: SharedPointer<Int32>,
        rights: SharedPointer<Int32>
    ) -> Int {
        switch byColumn {
        case .narrow(let codes):
            codes.withUnsafeBufferPointer { sort(block, cut, $0.baseAddress!, rows, lefts, rights) }
        case .wide(let codes):
            codes.withUnsafeBufferPointer { sort(block, cut, $0.baseAddress!, rows, lefts, rights) }
        }
    }

    @inline(__always)
    private func sort<Code: FixedWidthInteger & UnsignedInteger>(
        _ block: Range<Int>, _ cut: RowPartition.Cut, _ codes: UnsafePointer<Code>, _ rows: SharedPointer<Int32>,
        _ lefts: SharedPointer<Int32>, _ rights: SharedPointer<Int32>
    ) -> Int {
        let column = codes + cut.feature * self.rows
        let missing = missingCode(cut.feature)
        let bin = cut.bin
        let defaultLeft = cut.defaultLeft
        // Branch free (a row's side is a coin toss to the predictor): the row is written to
        // both buffers and only one cursor moves.
        @inline(__always)
        func scatter(_ goesLeft: (Int) -> Bool) -> Int {
            var l = block.lowerBound
            var r = block.lowerBound
            for k in block {
                let i = rows[k]
                let step = goesLeft(Int(column[Int(i)])) ? 1 : 0
                lefts[l] = i
                rights[r] = i
                l &+= step
                r &+= 1 &- step
            }
            return l - block.lowerBound
        }
        if let goesRight = cut.goesRight {
            return scatter { code in code == missing ? defaultLeft : !goesRight[code] }
        }
        return scatter { code in code == missing ? defaultLeft : code <= bin }
    }
}
