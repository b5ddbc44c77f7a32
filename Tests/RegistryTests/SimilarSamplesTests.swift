import Foundation
import Learning
import Registry
import Testing

@Suite("Similar samples: the index against a brute-force scan")
struct SimilarSamplesTests {
    /// Seeded rows: a 3-level and a 2-level text column, two numbers with repeats.
    static func data(rows: Int) -> TrainingData {
        var generator = SeededGenerator(seed: 31)
        var a: [String?] = []
        var b: [String?] = []
        var x: [Double] = []
        var z: [Double] = []
        for i in 0..<rows {
            a.append(["p", "q", "r"][Int(generator.next() % 3)])
            b.append(i % 17 == 0 ? nil : ["s", "t"][Int(generator.next() % 2)])
            x.append(Double(generator.next() % 200) / 10)
            z.append(Double(generator.next() % 1000) / 7)
        }
        return TrainingData(
            numeric: ["x": NumericColumn(x), "z": NumericColumn(z)], categorical: ["a": a, "b": b],
            target: (0..<rows).map(Double.init))
    }

    @Test("one nearest column: the two-way walk returns what sorting the whole group by distance returns")
    func walkEqualsScan() throws {
        let data = Self.data(rows: 2_000)
        let samples = try SimilarSamples.keep(
            SimilarSpec(match: ["a", "b"], nearest: ["x"]), from: data, target: "y")
        #expect(samples.columns == ["a", "b", "x", "z", "y"])
        #expect(samples.rowCount == 2_000)
        for (a, b, x, n) in [("p", "s", 3.05, 7), ("q", "t", -5.0, 3), ("r", "s", 19.99, 100), ("p", "t", 10.0, 1)] {
            let found = try samples.nearest(to: ["a": .text(a), "b": .text(b), "x": .number(x)], n: n)
            let group = (0..<data.count).filter { data.categorical["a"]![$0] == a && data.categorical["b"]![$0] == b }
            let expected = group.map { (row: $0, distance: abs(data.numeric["x"]!.values[$0] - x)) }
                .sorted { ($0.distance, $0.row) < ($1.distance, $1.row) }.prefix(n)
            #expect(found.map(\.distance) == expected.map(\.distance), "\(a) \(b) \(x)")
            #expect(found.map(\.row) == expected.map(\.row), "\(a) \(b) \(x)")
            #expect(found.allSatisfy { data.categorical["a"]![$0.row] == a && data.categorical["b"]![$0.row] == b })
        }
        // A null match value is a group of its own (rows with b missing).
        let nulls = try samples.nearest(to: ["a": .text("q"), "b": .missing, "x": .number(1)], n: 50)
        #expect(!nulls.isEmpty && nulls.allSatisfy { data.categorical["b"]![$0.row] == nil })
        // An unseen group is an empty answer, not an error.
        #expect(try samples.nearest(to: ["a": .text("zz"), "b": .text("s"), "x": .number(1)], n: 5).isEmpty)
        // Missing or mistyped query values are one error naming each.
        let error = #expect(throws: LearningError.self) {
            try samples.nearest(to: ["a": .text("p"), "x": .text("big")], n: 5)
        }
        #expect(Set(error?.details.keys.map { $0 } ?? []) == ["b", "x"])
    }

    @Test("several nearest columns: distance in standard deviations, nearest first")
    func severalColumns() throws {
        let data = Self.data(rows: 600)
        let samples = try SimilarSamples.keep(
            SimilarSpec(match: ["a"], nearest: ["x", "z"], columns: ["a", "x", "z"]), from: data, target: "y")
        let found = try samples.nearest(to: ["a": .text("r"), "x": .number(10), "z": .number(70)], n: 10)
        func sd(_ v: [Double]) -> Double {
            let m = v.reduce(0, +) / Double(v.count)
            return (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count)).squareRoot()
        }
        let (sx, sz) = (sd(data.numeric["x"]!.values), sd(data.numeric["z"]!.values))
        let expected = (0..<data.count).filter { data.categorical["a"]![$0] == "r" }.map { i in
            let dx = (data.numeric["x"]!.values[i] - 10) / sx
            let dz = (data.numeric["z"]!.values[i] - 70) / sz
            return (row: i, distance: (dx * dx + dz * dz).squareRoot())
        }.sorted { ($0.distance, $0.row) < ($1.distance, $1.row) }.prefix(10)
        #expect(found.map(\.row) == expected.map(\.row))
        #expect(zip(found, expected).allSatisfy { abs($0.distance - $1.distance) < 1e-12 })
    }
}
