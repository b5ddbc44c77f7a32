import Storage
import Testing

@Suite("ByteBuffer: the encoders' growable bytes")
struct ByteBufferTests {
    /// Whatever is appended, across many growths from the smallest capacity, reads back in
    /// order, with integers in the byte order asked for.
    @Test func appendsReadBackInOrder() {
        var buffer = ByteBuffer(capacity: 1)
        var expected: [UInt8] = []
        var generator = SystemRandomNumberGenerator()
        for step in 0..<2_000 {
            switch step % 5 {
            case 0:
                let byte = UInt8.random(in: 0...255, using: &generator)
                buffer.append(byte)
                expected.append(byte)
            case 1:
                let value = UInt32.random(in: 0...UInt32.max, using: &generator)
                buffer.append(bigEndian: value)
                expected += [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
            case 2:
                let value = UInt16.random(in: 0...UInt16.max, using: &generator)
                buffer.append(littleEndian: value)
                expected += [UInt8(value & 0xFF), UInt8(value >> 8)]
            case 3:
                let value = Int64.random(in: Int64.min...Int64.max, using: &generator)
                buffer.append(bigEndian: value)
                expected += (0..<8).reversed().map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
            default:
                let run = (0..<(step % 97)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                buffer.append(run)
                expected += run
            }
        }
        #expect(buffer.count == expected.count)
        #expect(buffer.capacity >= buffer.count)
        #expect(buffer.withUnsafeBytes { Array($0) } == expected)
    }

    /// Emptying keeps the memory up to the bound asked for, and the buffer is usable after.
    @Test func removeAllKeepsAtMostWhatIsAsked() {
        var buffer = ByteBuffer(capacity: 64)
        buffer.append([UInt8](repeating: 7, count: 10_000))
        #expect(buffer.capacity >= 10_000)
        buffer.removeAll(keeping: 1 << 20)
        #expect(buffer.isEmpty && buffer.capacity >= 10_000)
        buffer.append([UInt8](repeating: 8, count: 5_000))
        buffer.removeAll(keeping: 256)
        #expect(buffer.isEmpty && buffer.capacity == 256)
        buffer.append([1, 2, 3])
        #expect(buffer.withUnsafeBytes { Array($0) } == [1, 2, 3])
    }
}
