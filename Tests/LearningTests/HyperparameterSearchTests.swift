import Foundation
import Learning
import Testing

@Suite("Hyperparameter search: random and TPE")
struct HyperparameterSearchTests {
    static let space: [String: SearchDistribution] = [
        "learning_rate": .logUniform(1e-4, 1), "max_depth": .int(1, 9), "subsample": .uniform(0.5, 1),
        "colsample_bytree": .choice([.number(0.3), .number(0.5), .number(0.7)]),
    ]

    /// A smooth objective with its minimum at learning_rate 0.01, depth 5, subsample 0.8, 0.5.
    static func objective(_ p: Hyperparameters) -> Double {
        guard case .number(let lr)? = p["learning_rate"], case .number(let depth)? = p["max_depth"],
            case .number(let subsample)? = p["subsample"], case .number(let columns)? = p["colsample_bytree"]
        else { return .infinity }
        let a = log10(lr) + 2
        return a * a + (depth - 5) * (depth - 5) / 4 + (subsample - 0.8) * (subsample - 0.8) * 10
            + (columns == 0.5 ? 0 : 0.5)
    }

    static func run(_ method: SearchSampler.Method, trials: Int, seed: UInt64) -> [SearchTrial] {
        var sampler = SearchSampler(method: method, space: space, seed: seed)
        var history: [SearchTrial] = []
        for n in 0..<trials {
            let parameters = sampler.next(after: history)
            history.append(SearchTrial(number: n, parameters: parameters, score: objective(parameters)))
        }
        return history
    }

    @Test("TPE's first ten trials are the random sampler's with the same seed; a seeded search repeats exactly")
    func startupAndReproducibility() {
        let tpe = Self.run(.tpe, trials: 30, seed: 42)
        let random = Self.run(.random, trials: 30, seed: 42)
        #expect(Array(tpe.prefix(10)) == Array(random.prefix(10)))
        #expect(tpe[10].parameters != random[10].parameters)
        #expect(Self.run(.tpe, trials: 30, seed: 42) == tpe)
        #expect(Self.run(.tpe, trials: 30, seed: 43) != tpe)
        for trial in tpe {
            guard case .number(let depth)? = trial.parameters["max_depth"], case .number(let lr)? = trial.parameters["learning_rate"]
            else { Issue.record("missing values in \(trial)"); continue }
            #expect(depth == depth.rounded() && (1...9).contains(depth))
            #expect(lr >= 1e-4 && lr <= 1)
        }
    }

    @Test("TPE finds better sets than random search with the same budget, and its proposals gather at the optimum")
    func tpeLearns() {
        var tpeWins = 0
        for seed: UInt64 in 1...5 {
            let tpe = Self.run(.tpe, trials: 60, seed: seed)
            let random = Self.run(.random, trials: 60, seed: seed)
            if tpe.compactMap(\.score).min()! < random.compactMap(\.score).min()! { tpeWins += 1 }
            // The last 20 proposals score better on average than random ones.
            let late = tpe.suffix(20).compactMap(\.score).reduce(0, +) / 20
            let blind = random.suffix(20).compactMap(\.score).reduce(0, +) / 20
            #expect(late < blind, "seed \(seed): TPE late mean \(late) vs random \(blind)")
        }
        #expect(tpeWins >= 4, "TPE beat random search in \(tpeWins) of 5 seeds")
    }
}
