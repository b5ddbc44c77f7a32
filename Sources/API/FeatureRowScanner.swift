import Glibc
import Learning

/// The prediction path's shortcut for its most common body, `{"features": {...}}` with
/// plain keys and number, string or null values: reads the bytes straight into the
/// model's input order, with no JSON tree and no dictionary.
///
/// Anything else (another member, an escaped, unknown or repeated key, a boolean, an
/// array, malformed JSON) is declined with nil and the general path answers it, so every
/// error is worded in one place and both paths give the same answer. Keys are matched
/// against the input name expected next first: clients mostly send them in one order.
struct FeatureRowScanner: Sendable {
    /// The model's input names as UTF-8, in input order.
    private let keys: [[UInt8]]

    init(inputNames: [String]) {
        keys = inputNames.map { Array($0.utf8) }
    }

    /// The row in input order (nil: not sent; `.missing`: sent as null), or nil to decline.
    func scan(_ body: [UInt8]) -> [FeatureValue?]? {
        body.withUnsafeBufferPointer { buffer -> [FeatureValue?]? in
            var reader = JSONReader.Reader(bytes: buffer, maxDepth: 2)
            guard reader.consume(UInt8(ascii: "{")) else { return nil }
            reader.skipSpace()
            guard let member = reader.unescapedString(), Self.same(Self.featuresKey, member),
                reader.consume(UInt8(ascii: ":")), reader.consume(UInt8(ascii: "{"))
            else { return nil }
            var values = [FeatureValue?](repeating: nil, count: keys.count)
            if !reader.consume(UInt8(ascii: "}")) {
                var expected = 0
                while true {
                    reader.skipSpace()
                    guard let key = reader.unescapedString(), let k = index(of: key, expected: expected),
                        values[k] == nil, reader.consume(UInt8(ascii: ":")), let value = Self.value(&reader)
                    else { return nil }
                    values[k] = value
                    expected = k + 1
                    if reader.consume(UInt8(ascii: ",")) { continue }
                    guard reader.consume(UInt8(ascii: "}")) else { return nil }
                    break
                }
            }
            guard reader.consume(UInt8(ascii: "}")) else { return nil }
            reader.skipSpace()
            return reader.position == buffer.count ? values : nil
        }
    }

    private func index(of key: UnsafeBufferPointer<UInt8>, expected: Int) -> Int? {
        if expected < keys.count && Self.same(keys[expected], key) { return expected }
        return keys.firstIndex { Self.same($0, key) }
    }

    private static let featuresKey = Array("features".utf8)

    /// Byte equality by length, then memcmp (the generic `elementsEqual` walks an iterator).
    private static func same(_ name: [UInt8], _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        guard name.count == key.count else { return false }
        guard let other = key.baseAddress, !name.isEmpty else { return true }
        return name.withUnsafeBufferPointer { memcmp($0.baseAddress!, other, name.count) == 0 }
    }

    private static func value(_ reader: inout JSONReader.Reader) -> FeatureValue? {
        reader.skipSpace()
        guard reader.position < reader.bytes.count else { return nil }
        switch reader.bytes[reader.position] {
        case UInt8(ascii: "\""):
            guard let raw = reader.unescapedString(), let text = String(validating: raw, as: UTF8.self) else {
                return nil
            }
            return .text(text)
        case UInt8(ascii: "n"):
            return (try? reader.literal("null", .null)) != nil ? .missing : nil
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return (try? reader.number()).map(FeatureValue.number)
        default:
            return nil
        }
    }
}
