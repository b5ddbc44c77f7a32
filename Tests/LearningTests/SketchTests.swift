import Foundation
import Testing

@testable import Learning

@Suite("Quantile sketch and distinct counter")
struct SketchTests {
    /// 10M values through the sketch: every reported quantile's true rank (known exactly,
    /// the values being a shuffled 0..<n) within the stated error, with the retained values
    /// bounded far below the count.
    @Test func quantilesWithinStatedErrorOnTenMillion() {
        let n = 10_000_000
        var sketch = QuantileSketch()
        var generator = SeededGenerator(seed: 41)
        // A permutation of 0..<n by a multiplicative step coprime with n, offset at random.
        let step = 7_368_787
        var value = Int(generator.next() % UInt64(n))
        var peak = 0
        for i in 0..<n {
            sketch.add(Double(value))
            value = (value + step) % n
            if i % 100_000 == 0 { peak = max(peak, sketch.retained) }
        }
        peak = max(peak, sketch.retained)
        #expect(sketch.count == n)
        #expect(sketch.rankError == QuantileSketch.statedRankError)
        #expect(peak <= QuantileSketch.exactLimit + 1, "memory grew with the count: \(peak) values kept")
        #expect(sketch.retained < 3_000)
        var worst = 0.0
        for q in stride(from: 0.0, through: 1.0, by: 0.01) {
            let answer = sketch.quantile(q)!
            // The value v has rank v / (n - 1) among 0..<n.
            worst = max(worst, abs(answer / Double(n - 1) - q))
        }
        #expect(worst <= QuantileSketch.statedRankError, "worst rank error \(worst)")
        #expect(worst > 0, "a sketch that keeps 3,000 values cannot be exact on 10M")
    }

    @Test func mergedHalvesAgreeWithTheWhole() {
        var left = QuantileSketch()
        var right = QuantileSketch()
        for i in 0..<200_000 { left.add(Double(i)) }
        for i in 200_000..<400_000 { right.add(Double(i)) }
        left.merge(right)
        #expect(left.count == 400_000)
        for q in [0.1, 0.5, 0.9] {
            #expect(abs(left.quantile(q)! / 399_999 - q) <= QuantileSketch.statedRankError)
        }
    }

    @Test func exactBelowTheLimitInterpolatesAsNumpy() {
        var sketch = QuantileSketch()
        for v in [4.0, 1, 3, 2] { sketch.add(v) }
        // numpy.quantile([1, 2, 3, 4], [0.25, 0.5, 0.9]) = [1.75, 2.5, 3.7]
        #expect(sketch.quantiles([0.25, 0.5, 0.9]) == [1.75, 2.5, 3.7])
        #expect(sketch.rankError == 0)
        // numpy.histogram([1, 2, 3, 4], bins=[1, 2.5, 4]) counts [2, 2]: the last bin closed.
        #expect(sketch.histogram(edges: [1, 2.5, 4]) == [2, 2])
    }

    @Test func distinctExactThenWithinThreeStandardErrors() {
        var counter = DistinctCounter()
        for i in 0..<10_000 {
            counter.add(hash: ProfileCell.integer(Int64(i % 5_000)).hashValue64)
        }
        #expect(counter.isExact && counter.count == 5_000)
        for n in [50_000, 1_000_000] {
            var counter = DistinctCounter()
            for i in 0..<n {
                counter.add(hash: ProfileCell.text("level \(i)").hashValue64)
                counter.add(hash: ProfileCell.text("level \(i / 2)").hashValue64)
            }
            #expect(!counter.isExact)
            let error = abs(Double(counter.count) / Double(n) - 1)
            #expect(error < 3 * DistinctCounter.standardError, "\(n): estimate \(counter.count)")
        }
    }

    @Test func oneAndOnePointZeroAreOneValueTextIsAnother() {
        #expect(ProfileCell.integer(1).hashValue64 == ProfileCell.real(1).hashValue64)
        #expect(ProfileCell.integer(1).hashValue64 != ProfileCell.text("1").hashValue64)
        #expect(ProfileCell.real(0).hashValue64 == ProfileCell.real(-0.0).hashValue64)
    }
}

@Suite("Drift reference from the sketch")
struct DriftReferenceTests {
    /// Past the sketch's exact limit the training profile's deciles are the sketch's: each
    /// edge's true rank within the stated error, the bin counts adding up to the present rows.
    @Test func decilesWithinTheRankErrorOnManyRows() {
        let n = 300_000
        var generator = SeededGenerator(seed: 3)
        var values: [Double] = []
        var missing: [Bool] = []
        for i in 0..<n {
            values.append(Double(generator.next() % 1_000_000) / 1_000)
            missing.append(i % 50 == 0)
        }
        let data = TrainingData(numeric: ["x": NumericColumn(values, isMissing: missing)], target: values)
        let profile = FeatureProfile.training(data, schema: FeatureSchema(numeric: ["x"]))
        let x = profile.numeric["x"]!
        let present = zip(values, missing).filter { !$0.1 }.map(\.0).sorted()
        #expect(x.missing == n / 50)
        #expect(x.counts.reduce(0, +) == present.count)
        #expect(x.edges.count == 9 && x.quantiles.count == 1001)
        for (k, edge) in x.edges.enumerated() {
            let rank = Double(present.filter { $0 <= edge }.count) / Double(present.count)
            #expect(abs(rank - Double(k + 1) / 10) <= QuantileSketch.statedRankError, "decile \(k + 1): rank \(rank)")
        }
    }
}
