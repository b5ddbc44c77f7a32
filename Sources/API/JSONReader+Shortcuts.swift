import Glibc
import Learning
import Storage

/// What the body shortcuts (`FeatureRowScanner` for `/predict`, `SimilarQuery` for `/similar`)
/// read straight from the bytes: plain keys and plain feature values. Each declines (nil or
/// false) whatever it does not read, and the general reader answers it.
extension JSONReader.Reader {
    /// A string without escapes, in place, after any space (the shortcuts' keys).
    mutating func plainString() -> UnsafeBufferPointer<UInt8>? {
        skipSpace()
        return unescapedString()
    }

    /// A feature's value after any space: a number, a plain UTF-8 string or null, and with
    /// `booleans` true or false as the text the general path makes of them; nil for
    /// anything else. Numbers, the common case, come first.
    @inline(__always)
    mutating func plainFeatureValue(booleans: Bool) -> FeatureValue? {
        skipSpace()
        guard position < bytes.count else { return nil }
        let first = bytes[position]
        if first == UInt8(ascii: "-") || first &- 48 < 10 {
            guard case .value(let number) = DecimalNumber.parseJSON(bytes, at: &position) else { return nil }
            return .number(number)
        }
        if first == UInt8(ascii: "\"") {
            guard let raw = unescapedString(), let text = UTF8Bytes.string(raw) else { return nil }
            return .text(text)
        }
        if first == UInt8(ascii: "n") { return (try? literal("null", .null)) != nil ? .missing : nil }
        guard booleans else { return nil }
        if first == UInt8(ascii: "t") { return (try? literal("true", .null)) != nil ? .text("true") : nil }
        if first == UInt8(ascii: "f") { return (try? literal("false", .null)) != nil ? .text("false") : nil }
        return nil
    }
}

extension JSONReader {
    /// Whether a key read in place is `name`.
    static func key(_ key: UnsafeBufferPointer<UInt8>, is name: StaticString) -> Bool {
        key.count == name.utf8CodeUnitCount && (key.isEmpty || memcmp(key.baseAddress!, name.utf8Start, key.count) == 0)
    }
}
