/// Gradient and hessian sums of one node's rows per histogram cell (FeatureBins' layout),
/// interleaved so that one row's update of a cell touches one cache line: cell k's gradient
/// is at 2k, its hessian at 2k + 1.
struct GradientHistogram: Sendable {
    var sums: [Double]

    @inline(__always) func gradient(_ cell: Int) -> Double { sums[2 * cell] }
    @inline(__always) func hessian(_ cell: Int) -> Double { sums[2 * cell + 1] }

    /// The parent's sums less a child's: the other child's histogram without reading its rows.
    func subtracting(_ other: GradientHistogram) -> GradientHistogram {
        var result = self
        result.sums.withUnsafeMutableBufferPointer { out in
            other.sums.withUnsafeBufferPointer { child in
                for k in 0..<out.count { out[k] -= child[k] }
            }
        }
        return result
    }
}

/// What every histogram build of one tree reads: the rows' gradients, the partition's row
/// order, and the sampled features with their first cells.
struct HistogramInputs: @unchecked Sendable {
    /// Row i's gradient at 2i, its hessian at 2i + 1.
    let gradients: UnsafePointer<Double>
    let rows: UnsafePointer<Int32>
    let features: UnsafeBufferPointer<Int>
    let firstCells: UnsafePointer<Int>
}

extension FeatureBins {
    /// Histograms of several row ranges of the partition, each cut into blocks (as many as
    /// threads when it is large) summed into their own buffers, then added in block order:
    /// the same sums for the same thread count, whichever thread ran which block.
    func histograms(_ ranges: [Range<Int>], _ inputs: HistogramInputs, threads: Int) -> [GradientHistogram] {
        let threads = threadsWorth(ranges.reduce(0) { $0 + $1.count }, threads)
        let units = blocks(ranges, threads: threads)
        let stride = 2 * cellCount
        var partials = [Double](repeating: 0, count: units.count * stride)
        partials.withUnsafeMutableBufferPointer { buffer in
            let out = SharedPointer(buffer)
            concurrently(units.count, threads: threads) { u in
                accumulate(units[u].rows, inputs, into: out.base + u * stride)
            }
        }
        var result: [GradientHistogram] = []
        result.reserveCapacity(ranges.count)
        var u = 0
        while u < units.count {
            var sums = Array(partials[(u * stride)..<((u + 1) * stride)])
            var next = u + 1
            while next < units.count && units[next].owner == units[u].owner {
                for k in 0..<stride { sums[k] += partials[next * stride + k] }
                next += 1
            }
            result.append(GradientHistogram(sums: sums))
            u = next
        }
        return result
    }

    private func accumulate(_ range: Range<Int>, _ inputs: HistogramInputs, into out: UnsafeMutablePointer<Double>) {
        switch byRow {
        case .narrow(let codes):
            codes.withUnsafeBufferPointer { Self.accumulate($0.baseAddress!, features, range, inputs, out) }
        case .wide(let codes):
            codes.withUnsafeBufferPointer { Self.accumulate($0.baseAddress!, features, range, inputs, out) }
        }
    }

    /// The hot loop of boosting: each row adds its gradient pair to one cell per feature.
    /// Rows are taken a chunk at a time, their gradients and codes first gathered into small
    /// contiguous buffers (a light loop whose cache misses overlap, as LightGBM's ordered
    /// gradients do), then added from there without waiting on memory.
    @inline(__always)
    private static func accumulate<Code: FixedWidthInteger & UnsignedInteger>(
        _ codes: UnsafePointer<Code>, _ width: Int, _ range: Range<Int>, _ inputs: HistogramInputs,
        _ out: UnsafeMutablePointer<Double>
    ) {
        let features = inputs.features
        let firstCells = inputs.firstCells
        let sampled = features.count
        let chunk = 128
        let pairs = UnsafeMutablePointer<Double>.allocate(capacity: 2 * chunk)
        let rowCodes = UnsafeMutablePointer<Code>.allocate(capacity: chunk * sampled)
        defer {
            pairs.deallocate()
            rowCodes.deallocate()
        }
        var start = range.lowerBound
        while start < range.upperBound {
            let end = min(start + chunk, range.upperBound)
            for r in start..<end {
                let i = Int(inputs.rows[r])
                let j = r - start
                pairs[2 * j] = inputs.gradients[2 * i]
                pairs[2 * j + 1] = inputs.gradients[2 * i + 1]
                let row = codes + i * width
                let gathered = rowCodes + j * sampled
                if sampled == width {
                    for f in 0..<width { gathered[f] = row[f] }
                } else {
                    for k in 0..<sampled { gathered[k] = row[features[k]] }
                }
            }
            for j in 0..<(end - start) {
                let gi = pairs[2 * j]
                let hi = pairs[2 * j + 1]
                let row = rowCodes + j * sampled
                for k in 0..<sampled {
                    let cell = (firstCells[k] + Int(row[k])) &<< 1
                    out[cell] += gi
                    out[cell + 1] += hi
                }
            }
            start = end
        }
    }
}
