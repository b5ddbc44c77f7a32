import Storage
import Testing

@Suite("UTF-8 bytes: which bodies may be stored as they are")
struct UTF8BytesTests {
    /// The word-at-a-time check agrees with a byte-by-byte reading: a NUL or a byte at or
    /// above 0x80 anywhere, in a body of any length (so in the 16-byte steps and the tail
    /// alike), is told; plain ASCII is not.
    @Test func asciiWithoutNULEveryPosition() {
        for length in 0...48 {
            let plain = (0..<length).map { UInt8(0x20 + ($0 * 7) % 0x5F) }
            #expect(plain.withUnsafeBytes { UTF8Bytes.isASCIIWithoutNUL($0) }, "length \(length)")
            for position in 0..<length {
                for bad: UInt8 in [0x00, 0x80, 0xC3, 0xFF] {
                    var body = plain
                    body[position] = bad
                    #expect(
                        !body.withUnsafeBytes { UTF8Bytes.isASCIIWithoutNUL($0) },
                        "length \(length), \(bad) at \(position)")
                }
            }
        }
        // The edges of the ASCII range next to a zero: 0x01 and 0x7F are plain.
        let edges: [UInt8] = Array(repeating: 0x01, count: 17) + Array(repeating: 0x7F, count: 17)
        #expect(edges.withUnsafeBytes { UTF8Bytes.isASCIIWithoutNUL($0) })
    }

    @Test func asciiWithoutNULMatchesByteByByteOnRandomBodies() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...70, using: &generator)
            // Mostly plain bytes, now and then any byte: both answers come up often.
            let body = (0..<length).map { _ -> UInt8 in
                Int.random(in: 0..<60, using: &generator) == 0
                    ? UInt8.random(in: 0...255, using: &generator) : UInt8.random(in: 1...0x7F, using: &generator)
            }
            let expected = !body.contains { $0 == 0 || $0 >= 0x80 }
            #expect(body.withUnsafeBytes { UTF8Bytes.isASCIIWithoutNUL($0) } == expected, "\(body)")
        }
    }
}
