import Glibc

/// Bytes as text, checked without `String(validating:)` (which ran unspecialized on
/// buffers here, ~7 instructions a byte): the JSON reader's strings and the request log's
/// bodies.
public enum UTF8Bytes {
    /// The bytes as a String when they are valid UTF-8, else nil. ASCII (nearly every key,
    /// value and body) is told eight bytes at a time and decoded with no second pass;
    /// anything else is decoded, which repairs an invalid sequence, so it was valid exactly
    /// when the bytes come back unchanged.
    public static func string(_ raw: UnsafeBufferPointer<UInt8>) -> String? {
        guard let base = raw.baseAddress, !raw.isEmpty else { return "" }
        var high: UInt64 = 0
        var i = 0
        while i + 8 <= raw.count {
            high |= UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            i += 8
        }
        while i < raw.count {
            high |= UInt64(raw[i])
            i += 1
        }
        var text = String(decoding: raw, as: UTF8.self)
        if high & 0x8080_8080_8080_8080 == 0 { return text }
        let same = text.withUTF8 { $0.count == raw.count && memcmp($0.baseAddress!, base, raw.count) == 0 }
        return same ? text : nil
    }

    /// Whether every byte is ASCII and none is NUL, sixteen bytes a step: a byte at or above
    /// 0x80, or a zero byte (whose borrow sets the high bit of `(w - 0x01..) & ~w`), marks
    /// the accumulated high bits; one test at the end (bodies are nearly always plain).
    public static func isASCIIWithoutNUL(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var marks: UInt64 = 0
        var i = 0
        while i + 16 <= bytes.count {
            let a = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let b = base.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self)
            marks |= a | ((a &- ones) & ~a) | b | ((b &- ones) & ~b)
            i += 16
        }
        while i < bytes.count {
            let byte = UInt64(bytes[i])
            marks |= byte | ((byte &- 1) & ~byte & 0x80)
            i += 1
        }
        return marks & highs == 0
    }
}
