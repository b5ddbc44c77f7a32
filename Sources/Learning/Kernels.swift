import Dispatch

/// The data-sized loops of the learners, blocked for cache and split over cores.
///
/// Work is cut into fixed chunks of rows whatever the number of cores, and partial results
/// are added in chunk order, so results are bit-for-bit reproducible from run to run.
enum Kernels {
    /// Rows per parallel chunk; fixed so that the summation order never changes.
    static let chunkRows = 16_384
    /// Rows per cache block inside a chunk: 21 columns x 512 rows x 8 bytes fit in L2.
    static let blockRows = 512

    /// Runs `body` for each chunk of rows, in parallel, and returns the results in order.
    static func chunked<T>(rows: Int, _ body: @Sendable (Range<Int>) -> T) -> [T] {
        let count = max(1, (rows + chunkRows - 1) / chunkRows)
        if count == 1 { return [body(0..<rows)] }
        let results = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        nonisolated(unsafe) let shared = results
        DispatchQueue.concurrentPerform(iterations: count) { c in
            let start = c * chunkRows
            shared[c] = body(start..<min(rows, start + chunkRows))
        }
        return results.map { $0! }
    }

    /// X'WX (W diagonal, nil for identity): the upper triangle computed, mirrored.
    static func weightedGram(_ x: Matrix, weights: [Double]?) -> Matrix {
        let p = x.columns
        let n = x.rows
        let partials: [[Double]] = x.values.withUnsafeBufferPointer { xv in
            nonisolated(unsafe) let xv = xv
            return weights.withUnsafeOptionalBuffer { wv in
                nonisolated(unsafe) let wv = wv
                return chunked(rows: n) { range in
                    var gram = [Double](repeating: 0, count: p * p)
                    var scaled = [Double](repeating: 0, count: blockRows)
                    var blockStart = range.lowerBound
                    while blockStart < range.upperBound {
                        let blockEnd = min(range.upperBound, blockStart + blockRows)
                        let length = blockEnd - blockStart
                        for j in 0..<p {
                            let xj = xv.baseAddress! + j * n + blockStart
                            if let wv {
                                for i in 0..<length { scaled[i] = xj[i] * wv[blockStart + i] }
                            } else {
                                for i in 0..<length { scaled[i] = xj[i] }
                            }
                            scaled.withUnsafeBufferPointer { s in
                                for k in j..<p {
                                    gram[j * p + k] += dot(s.baseAddress!, xv.baseAddress! + k * n + blockStart, length)
                                }
                            }
                        }
                        blockStart = blockEnd
                    }
                    return gram
                }
            }
        }
        var out = Matrix(rows: p, columns: p)
        for partial in partials { for i in 0..<(p * p) { out.values[i] += partial[i] } }
        // partial[j * p + k] (k >= j) landed at out[k, j]; mirror it into the upper triangle.
        for j in 0..<p { for k in j..<p { out[j, k] = out[k, j] } }
        return out
    }

    /// Means and co-moments Σ(zᵢ - z̄)(zᵢ - z̄)ᵀ of z = (the chosen columns of X, then y),
    /// centring on the fly in cache blocks: the numerically sound way to the normal equations.
    static func centeredMoments(_ x: Matrix, columns chosen: [Int], y: [Double]) -> (means: [Double], comoments: Matrix)
    {
        let n = x.rows
        let q = chosen.count + 1
        let partialSums: [[Double]] = x.values.withUnsafeBufferPointer { xv in
            nonisolated(unsafe) let xv = xv
            return y.withUnsafeBufferPointer { yv in
                nonisolated(unsafe) let yv = yv
                return chunked(rows: n) { range in
                    var sums = [Double](repeating: 0, count: q)
                    for (c, j) in chosen.enumerated() {
                        let xj = xv.baseAddress! + j * n
                        var s = 0.0
                        for i in range { s += xj[i] }
                        sums[c] = s
                    }
                    var s = 0.0
                    for i in range { s += yv[i] }
                    sums[q - 1] = s
                    return sums
                }
            }
        }
        var means = [Double](repeating: 0, count: q)
        for partial in partialSums { for c in 0..<q { means[c] += partial[c] } }
        for c in 0..<q { means[c] /= Double(max(n, 1)) }
        let centre = means
        let partials: [[Double]] = x.values.withUnsafeBufferPointer { xv in
            nonisolated(unsafe) let xv = xv
            return y.withUnsafeBufferPointer { yv in
                nonisolated(unsafe) let yv = yv
                return chunked(rows: n) { range in
                    var moments = [Double](repeating: 0, count: q * q)
                    var block = [Double](repeating: 0, count: q * blockRows)
                    var start = range.lowerBound
                    while start < range.upperBound {
                        let end = min(range.upperBound, start + blockRows)
                        let length = end - start
                        for c in 0..<q {
                            let source = c < q - 1 ? xv.baseAddress! + chosen[c] * n + start : yv.baseAddress! + start
                            let m = centre[c]
                            for i in 0..<length { block[c * blockRows + i] = source[i] - m }
                        }
                        block.withUnsafeBufferPointer { b in
                            for c in 0..<q {
                                for d in c..<q {
                                    moments[c * q + d] += dot(
                                        b.baseAddress! + c * blockRows, b.baseAddress! + d * blockRows, length)
                                }
                            }
                        }
                        start = end
                    }
                    return moments
                }
            }
        }
        var comoments = Matrix(rows: q, columns: q)
        for partial in partials { for i in 0..<(q * q) { comoments.values[i] += partial[i] } }
        for c in 0..<q { for d in c..<q { comoments[c, d] = comoments[d, c] } }
        return (means, comoments)
    }

    /// Leverages hᵢ = xᵢᵀ A xᵢ for every row (A symmetric p x p), for HC3 standard errors.
    static func leverages(_ x: Matrix, _ a: Matrix) -> [Double] {
        rowwise(x) { xv, out, range in
            // Σ_j Σ_k x_ij A_jk x_ik, column pair by column pair over the chunk.
            for j in 0..<x.columns {
                let xj = xv.baseAddress! + j * x.rows
                for k in 0..<x.columns where a[j, k] != 0 {
                    let ajk = a[j, k]
                    let xk = xv.baseAddress! + k * x.rows
                    for i in range { out[i] += xj[i] * ajk * xk[i] }
                }
            }
        }
    }

    /// A fresh n-vector filled chunk by chunk (in parallel) by `body`, which gets the
    /// matrix's storage, the output and its chunk of rows.
    private static func rowwise(
        _ x: Matrix,
        _ body: @Sendable (UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>, Range<Int>) -> Void
    ) -> [Double] {
        var out = [Double](repeating: 0, count: x.rows)
        x.values.withUnsafeBufferPointer { xv in
            nonisolated(unsafe) let xv = xv
            out.withUnsafeMutableBufferPointer { ov in
                nonisolated(unsafe) let ov = ov
                _ = chunked(rows: x.rows) { range in body(xv, ov, range) }
            }
        }
        return out
    }

    /// X'v.
    static func transposeTimes(_ x: Matrix, _ v: [Double]) -> [Double] {
        let p = x.columns
        let n = x.rows
        let partials: [[Double]] = x.values.withUnsafeBufferPointer { xv in
            nonisolated(unsafe) let xv = xv
            return v.withUnsafeBufferPointer { vv in
                nonisolated(unsafe) let vv = vv
                return chunked(rows: n) { range in
                    (0..<p).map { j in
                        dot(xv.baseAddress! + j * n + range.lowerBound, vv.baseAddress! + range.lowerBound, range.count)
                    }
                }
            }
        }
        var out = [Double](repeating: 0, count: p)
        for partial in partials { for j in 0..<p { out[j] += partial[j] } }
        return out
    }

    /// Xβ.
    static func times(_ x: Matrix, _ beta: [Double]) -> [Double] {
        rowwise(x) { xv, out, range in
            for j in 0..<x.columns where beta[j] != 0 {
                let b = beta[j]
                let xj = xv.baseAddress! + j * x.rows
                for i in range { out[i] += xj[i] * b }
            }
        }
    }

    /// Σ aᵢbᵢ with four independent SIMD accumulators.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) -> Double {
        var s0 = SIMD4<Double>()
        var s1 = SIMD4<Double>()
        var i = 0
        let ra = UnsafeRawPointer(a)
        let rb = UnsafeRawPointer(b)
        while i + 8 <= n {
            s0 +=
                ra.loadUnaligned(fromByteOffset: i * 8, as: SIMD4<Double>.self)
                * rb.loadUnaligned(fromByteOffset: i * 8, as: SIMD4<Double>.self)
            s1 +=
                ra.loadUnaligned(fromByteOffset: (i + 4) * 8, as: SIMD4<Double>.self)
                * rb.loadUnaligned(fromByteOffset: (i + 4) * 8, as: SIMD4<Double>.self)
            i += 8
        }
        var sum = (s0 + s1).sum()
        while i < n {
            sum += a[i] * b[i]
            i += 1
        }
        return sum
    }
}

extension Optional where Wrapped == [Double] {
    func withUnsafeOptionalBuffer<R>(_ body: (UnsafeBufferPointer<Double>?) -> R) -> R {
        switch self {
        case .none: body(nil)
        case .some(let array): array.withUnsafeBufferPointer { body($0) }
        }
    }
}
