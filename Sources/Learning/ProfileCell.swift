/// One value of a query's result as the profiler sees it: the storage layer's types folded to
/// what statistics distinguish (timestamps and bytes arrive as text).
public enum ProfileCell: Sendable, Equatable {
    case missing
    case integer(Int64)
    case real(Double)
    case text(String)
    case boolean(Bool)

    /// The value as a number, when it is one.
    public var number: Double? {
        switch self {
        case .integer(let v): Double(v)
        case .real(let v): v
        case .boolean(let b): b ? 1 : 0
        case .text, .missing: nil
        }
    }

    /// Folds the value into a hash; 1 and 1.0 hash alike (pandas counts them as one value),
    /// text apart from numbers.
    func hash(into hash: inout StableHash) {
        switch self {
        case .missing: hash.combine(0)
        case .text(let s):
            hash.combine(3)
            hash.combine(s)
        default:
            let v = number!
            hash.combine(1)
            hash.combine(v == 0 ? 0 : v.bitPattern)
        }
    }

    var hashValue64: UInt64 {
        var h = StableHash()
        hash(into: &h)
        return h.value
    }
}
