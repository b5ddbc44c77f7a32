/// Eigenvalues of a small symmetric matrix by cyclic Jacobi rotations: slow for large
/// matrices, but accurate to working precision, which the condition number needs.
public enum SymmetricEigen {
    public static func eigenvalues(_ input: Matrix) -> [Double] {
        precondition(input.rows == input.columns)
        var a = input
        let n = a.rows
        for _ in 0..<100 {
            var off = 0.0
            for i in 0..<n { for j in (i + 1)..<max(i + 1, n) { off += a[i, j] * a[i, j] } }
            var scale = 0.0
            for i in 0..<n { scale += a[i, i] * a[i, i] }
            if off <= 1e-30 * scale { break }
            for p in 0..<n {
                for q in (p + 1)..<max(p + 1, n) where a[p, q] != 0 {
                    let theta = (a[q, q] - a[p, p]) / (2 * a[p, q])
                    let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot()
                    let s = t * c
                    for k in 0..<n {
                        let akp = a[k, p]
                        let akq = a[k, q]
                        a[k, p] = c * akp - s * akq
                        a[k, q] = s * akp + c * akq
                    }
                    for k in 0..<n {
                        let apk = a[p, k]
                        let aqk = a[q, k]
                        a[p, k] = c * apk - s * aqk
                        a[q, k] = s * apk + c * aqk
                    }
                }
            }
        }
        return a.diagonal.sorted()
    }
}
