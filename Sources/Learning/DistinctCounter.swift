import Foundation

/// How many different values a stream holds: exact (a set of 64-bit hashes) up to
/// `exactLimit`, then a HyperLogLog of 2^14 registers (Flajolet et al. 2007, with linear
/// counting for small estimates), standard error 0.81%, in 16 KiB whatever the count.
public struct DistinctCounter: Sendable {
    public static let exactLimit = 16_384
    static let precision = 14
    /// The HyperLogLog's relative standard error, 1.04 / sqrt(2^14).
    public static let standardError = 0.0081

    private var exact: Set<UInt64>? = []
    private var registers: [UInt8] = []

    public init() {}

    public var isExact: Bool { exact != nil }

    public mutating func add(hash: UInt64) {
        if exact != nil {
            exact!.insert(hash)
            if exact!.count > Self.exactLimit {
                registers = [UInt8](repeating: 0, count: 1 << Self.precision)
                for h in exact! { record(h) }
                exact = nil
            }
            return
        }
        record(hash)
    }

    public var count: Int {
        if let exact { return exact.count }
        let m = Double(registers.count)
        var sum = 0.0
        var zeros = 0
        for r in registers {
            sum += 1 / Double(UInt64(1) << UInt64(r))
            if r == 0 { zeros += 1 }
        }
        let alpha = 0.7213 / (1 + 1.079 / m)
        let estimate = alpha * m * m / sum
        if estimate <= 2.5 * m, zeros > 0 { return Int((m * log(m / Double(zeros))).rounded()) }
        return Int(estimate.rounded())
    }

    private mutating func record(_ hash: UInt64) {
        let index = Int(hash >> UInt64(64 - Self.precision))
        let rest = hash << UInt64(Self.precision)
        let rank = UInt8(min(rest.leadingZeroBitCount, 64 - Self.precision) + 1)
        if rank > registers[index] { registers[index] = rank }
    }
}

/// A 64-bit hash of values, the same in every process (Swift's `Hasher` is seeded per run):
/// words folded in with a multiply-xorshift step and finished by splitmix64's mixer.
public struct StableHash: Sendable {
    private var state: UInt64

    public init(seed: UInt64 = 0x243F_6A88_85A3_08D3) { state = seed }

    public mutating func combine(_ word: UInt64) {
        state = (state ^ word) &* 0x9E37_79B9_7F4A_7C15
        state ^= state >> 29
    }

    public mutating func combine(_ text: String) {
        var word: UInt64 = 0
        var filled = 0
        for byte in text.utf8 {
            word |= UInt64(byte) << UInt64(filled * 8)
            filled += 1
            if filled == 8 {
                combine(word)
                word = 0
                filled = 0
            }
        }
        combine(word ^ (UInt64(text.utf8.count) << 56))
    }

    public var value: UInt64 {
        var z = state &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
