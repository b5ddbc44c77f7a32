import Glibc
import Learning
import Storage

/// The prediction path's shortcut for its most common body, `{"features": {...}}` with
/// plain keys and number, string or null values: reads the bytes straight into the
/// model's input order, with no JSON tree and no dictionary.
///
/// Anything else (another member, an escaped, unknown or repeated key, a boolean, an
/// array, malformed JSON) is declined with nil and the general path answers it, so every
/// error is worded in one place and both paths give the same answer. Keys are matched
/// against the input name expected next first: clients mostly send them in one order.
struct FeatureRowScanner: Sendable {
    /// The model's input names as UTF-8, end to end in input order, and where each is: one
    /// buffer, so matching a key touches no array of arrays (each access retained one).
    private let names: [UInt8]
    private let spans: [Range<Int>]

    init(inputNames: [String]) {
        var names: [UInt8] = []
        var spans: [Range<Int>] = []
        for name in inputNames {
            let start = names.count
            names.append(contentsOf: name.utf8)
            spans.append(start..<names.count)
        }
        self.names = names
        self.spans = spans
    }

    /// The row in input order (nil: not sent; `.missing`: sent as null), or nil to decline.
    func scan(_ body: [UInt8]) -> [FeatureValue?]? {
        withRow(body) { Array($0) }
    }

    /// Calls `use` with the row in input order, held on the stack for the call (nil: declined,
    /// and `use` is not called): the common request allocates nothing for its row.
    func withRow<R>(_ body: [UInt8], _ use: (UnsafeBufferPointer<FeatureValue?>) throws -> R) rethrows -> R? {
        try withUnsafeTemporaryAllocation(of: FeatureValue?.self, capacity: spans.count) { row -> R? in
            row.initialize(repeating: nil)
            defer { _ = row.deinitialize() }
            let scanned = body.withUnsafeBufferPointer { bytes in
                names.withUnsafeBufferPointer { names in
                    spans.withUnsafeBufferPointer { spans in
                        scan(bytes, into: row, keys: Keys(names: names, spans: spans))
                    }
                }
            }
            return scanned ? try use(UnsafeBufferPointer(row)) : nil
        }
    }

    private func scan(
        _ bytes: UnsafeBufferPointer<UInt8>, into row: UnsafeMutableBufferPointer<FeatureValue?>, keys: Keys
    ) -> Bool {
        var reader = Bytes(bytes)
        guard reader.take(UInt8(ascii: "{")), let member = reader.plainString(), Self.isFeatures(member),
            reader.take(UInt8(ascii: ":")), reader.take(UInt8(ascii: "{"))
        else { return false }
        if !reader.take(UInt8(ascii: "}")) {
            var expected = 0
            while true {
                guard let key = reader.plainString(), let k = keys.index(of: key, expected: expected),
                    case .none = row[k], reader.take(UInt8(ascii: ":")), let value = reader.value()
                else { return false }
                row[k] = value
                expected = k + 1
                if reader.take(UInt8(ascii: ",")) { continue }
                guard reader.take(UInt8(ascii: "}")) else { return false }
                break
            }
        }
        guard reader.take(UInt8(ascii: "}")) else { return false }
        reader.skipSpace()
        return reader.position == bytes.count
    }

    /// The input names, borrowed for one scan.
    private struct Keys {
        let names: UnsafeBufferPointer<UInt8>
        let spans: UnsafeBufferPointer<Range<Int>>

        func index(of key: UnsafeBufferPointer<UInt8>, expected: Int) -> Int? {
            if expected < spans.count && matches(expected, key) { return expected }
            return spans.indices.first { matches($0, key) }
        }

        /// Byte equality by length, then memcmp (the generic `elementsEqual` walks an iterator).
        private func matches(_ k: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
            let span = spans[k]
            guard span.count == key.count else { return false }
            guard let other = key.baseAddress, !span.isEmpty else { return true }
            return memcmp(names.baseAddress! + span.lowerBound, other, span.count) == 0
        }
    }

    private static func isFeatures(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        key.count == 8 && memcmp(key.baseAddress!, "features", 8) == 0
    }

    /// A cursor over the body for the few tokens the shortcut reads.
    private struct Bytes {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0

        init(_ bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
        }

        mutating func skipSpace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        /// The byte, after any space.
        mutating func take(_ byte: UInt8) -> Bool {
            skipSpace()
            guard position < bytes.count, bytes[position] == byte else { return false }
            position += 1
            return true
        }

        /// A string without escapes or control characters, in place (nil: anything else).
        mutating func plainString() -> UnsafeBufferPointer<UInt8>? {
            skipSpace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { return nil }
            var i = position + 1
            while i < bytes.count {
                let b = bytes[i]
                if b == UInt8(ascii: "\"") {
                    let raw = UnsafeBufferPointer(rebasing: bytes[(position + 1)..<i])
                    position = i + 1
                    return raw
                }
                if b == UInt8(ascii: "\\") || b < 0x20 { return nil }
                i += 1
            }
            return nil
        }

        /// A number, a plain string or null (nil: anything else).
        mutating func value() -> FeatureValue? {
            skipSpace()
            guard position < bytes.count else { return nil }
            switch bytes[position] {
            case UInt8(ascii: "\""):
                guard let raw = plainString(), let text = String(validating: raw, as: UTF8.self) else { return nil }
                return .text(text)
            case UInt8(ascii: "n"):
                guard bytes.count - position >= 4, bytes[position + 1] == UInt8(ascii: "u"),
                    bytes[position + 2] == UInt8(ascii: "l"), bytes[position + 3] == UInt8(ascii: "l")
                else { return nil }
                position += 4
                return .missing
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard case .value(let number) = DecimalNumber.parseJSON(bytes, at: &position) else { return nil }
                return .number(number)
            default:
                return nil
            }
        }
    }
}
