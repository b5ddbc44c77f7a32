/// The split gain and leaf weight of second-order gradient boosting, as XGBoost's
/// `src/tree/param.h` computes them (`CalcGain`, `CalcWeight`, `ThresholdL1`, with
/// `max_delta_step` 0): one small place that the tests check against the formulas.
public enum SplitGain {
    /// Soft-thresholding by the L1 penalty α: sign(g)·max(|g| − α, 0).
    @inline(__always)
    public static func thresholdL1(_ g: Double, _ alpha: Double) -> Double {
        g > alpha ? g - alpha : g < -alpha ? g + alpha : 0
    }

    /// The structure score of a node with gradient sum G and hessian sum H:
    /// T(G)² / (H + λ).
    @inline(__always)
    public static func score(_ g: Double, _ h: Double, lambda: Double, alpha: Double) -> Double {
        let t = thresholdL1(g, alpha)
        return t * t / (h + lambda)
    }

    /// The optimal leaf weight −T(G) / (H + λ) (before the learning rate).
    @inline(__always)
    public static func weight(_ g: Double, _ h: Double, lambda: Double, alpha: Double) -> Double {
        -thresholdL1(g, alpha) / (h + lambda)
    }

    /// The loss reduction of splitting a node (G, H) into (GL, HL) and the rest.
    @inline(__always)
    public static func lossChange(
        left gl: Double, _ hl: Double, node g: Double, _ h: Double, lambda: Double, alpha: Double
    ) -> Double {
        score(gl, hl, lambda: lambda, alpha: alpha) + score(g - gl, h - hl, lambda: lambda, alpha: alpha)
            - score(g, h, lambda: lambda, alpha: alpha)
    }

    /// A side's score as XGBoost's split evaluator computes it when it compares candidate
    /// splits: in single precision (`Divide(float, float)`), 0 for a side without weight.
    /// Comparing in the same precision makes XGBoost's ties ties here too (a categorical and
    /// a numeric split that cut a node's rows the same way, the same set from both scans).
    @inline(__always)
    public static func singlePrecisionScore(_ g: Double, _ h: Double, lambda: Double, alpha: Double) -> Float {
        guard h > 0 else { return 0 }
        let t = thresholdL1(g, alpha)
        return Float(t * t) / Float(h + lambda)
    }

    /// `lossChange` in XGBoost's single precision.
    @inline(__always)
    public static func singlePrecisionLossChange(
        left gl: Double, _ hl: Double, node g: Double, _ h: Double, lambda: Double, alpha: Double
    ) -> Float {
        singlePrecisionScore(gl, hl, lambda: lambda, alpha: alpha)
            + singlePrecisionScore(g - gl, h - hl, lambda: lambda, alpha: alpha)
            - singlePrecisionScore(g, h, lambda: lambda, alpha: alpha)
    }
}
