import Foundation

/// Tail probabilities and quantiles for the tests statsmodels reports: normal (z), Student
/// t, F and chi-squared, from the regularized incomplete beta and gamma functions.
public enum Distributions {
    /// P(|Z| > |z|) for a standard normal Z.
    public static func normalTwoSided(_ z: Double) -> Double {
        erfc(abs(z) / 2.0.squareRoot())
    }

    /// The 97.5% quantile of the standard normal (95% intervals).
    public static let normal975 = 1.959963984540054

    /// P(|T| > |t|) for Student's t with `df` degrees of freedom.
    public static func studentTTwoSided(_ t: Double, df: Double) -> Double {
        guard t.isFinite else { return t.isNaN ? .nan : 0 }
        return incompleteBeta(df / (df + t * t), a: df / 2, b: 0.5)
    }

    /// P(F > f) for the F distribution with (d1, d2) degrees of freedom.
    public static func fSurvival(_ f: Double, d1: Double, d2: Double) -> Double {
        guard f > 0 else { return 1 }
        guard f.isFinite else { return 0 }
        return incompleteBeta(d2 / (d2 + d1 * f), a: d2 / 2, b: d1 / 2)
    }

    /// P(X > x) for chi-squared with k degrees of freedom.
    public static func chiSquaredSurvival(_ x: Double, k: Double) -> Double {
        guard x > 0 else { return 1 }
        return upperIncompleteGamma(a: k / 2, x: x / 2)
    }

    /// t such that P(|T| > t) = 1 - level (e.g. level 0.95), by Newton steps on the tail.
    public static func studentTQuantile(level: Double, df: Double) -> Double {
        let target = 1 - level
        var t = normal975
        for _ in 0..<100 {
            let tail = studentTTwoSided(t, df: df)
            // d/dt P(|T| > t) = -2 f(t)
            let logNormaliser: Double = lgamma((df + 1) / 2) - lgamma(df / 2) - 0.5 * log(df * Double.pi)
            let logKernel: Double = -(df + 1) / 2 * log1p(t * t / df)
            let density = exp(logNormaliser + logKernel)
            let step = (tail - target) / (2 * density)
            t += step
            if abs(step) <= 1e-15 * t { break }
        }
        return t
    }

    /// The regularized incomplete beta function I_x(a, b) (Lentz's continued fraction).
    public static func incompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * betaContinuedFraction(x, a: a, b: b) / a
        }
        return 1 - exp(logFront) * betaContinuedFraction(1 - x, a: b, b: a) / b
    }

    private static func betaContinuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...10_000 {
            let m = Double(m)
            let m2 = 2 * m
            var aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return h
    }

    /// The regularized upper incomplete gamma function Q(a, x).
    public static func upperIncompleteGamma(a: Double, x: Double) -> Double {
        if x <= 0 { return 1 }
        let logFront = a * log(x) - x - lgamma(a)
        if x < a + 1 {
            // Series for P(a, x).
            var sum = 1 / a
            var term = sum
            var n = a
            for _ in 0..<100_000 {
                n += 1
                term *= x / n
                sum += term
                if abs(term) < abs(sum) * 1e-17 { break }
            }
            return 1 - sum * exp(logFront)
        }
        // Continued fraction for Q(a, x).
        let tiny = 1e-300
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var h = d
        for i in 1...100_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return exp(logFront) * h
    }
}
