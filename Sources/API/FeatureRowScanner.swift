import Glibc
import Learning
import Storage

/// The prediction path's shortcut for its most common bodies, `{"features": {...}}` and
/// `{"model": "name", "features": {...}}`, with plain keys and number, string or null
/// values: reads the bytes straight into the model's input order, with no JSON tree and no
/// dictionary.
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
    /// No name holds a quote, a backslash or a control byte: each is sent as its own bytes.
    private let plainNames: Bool

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
        plainNames = !names.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
    }

    /// The row in input order (nil: not sent; `.missing`: sent as null), or nil to decline.
    /// `membersAt`: where the members after a leading model name start (`leadingModel`).
    func scan(_ body: [UInt8], membersAt: Int? = nil) -> [FeatureValue?]? {
        withRow(body, membersAt: membersAt) { Array($0) }
    }

    /// The model a body names first (`{"model": "name", ...`, the name a plain string) and
    /// where the members after it start; nil when it does not begin so. The model's own
    /// scanner reads the rest: the name has to be known before its inputs are.
    static func leadingModel(_ body: [UInt8]) -> (name: String, membersAt: Int)? {
        body.withUnsafeBufferPointer { bytes -> (name: String, membersAt: Int)? in
            var reader = JSONReader.Reader(bytes: bytes, maxDepth: 2)
            // Most bodies start with "features": told from the first key's first letter, so
            // they pay a few instructions here, not a key scan.
            guard reader.consume(UInt8(ascii: "{")), reader.consume(UInt8(ascii: "\"")),
                reader.position < bytes.count, bytes[reader.position] == UInt8(ascii: "m")
            else { return nil }
            reader.position -= 1
            guard let key = reader.plainString(), JSONReader.key(key, is: "model"),
                reader.consume(UInt8(ascii: ":")), let name = reader.plainString(),
                let text = UTF8Bytes.string(name), reader.consume(UInt8(ascii: ","))
            else { return nil }
            return (text, reader.position)
        }
    }

    /// Calls `use` with the row in input order, held on the stack for the call (nil: declined,
    /// and `use` is not called): the common request allocates nothing for its row.
    /// `membersAt`: where the members after a leading model name start (`leadingModel`).
    func withRow<R>(
        _ body: [UInt8], membersAt: Int? = nil, _ use: (UnsafeBufferPointer<FeatureValue?>) throws -> R
    ) rethrows -> R? {
        try withUnsafeTemporaryAllocation(of: FeatureValue?.self, capacity: spans.count) { row -> R? in
            try withUnsafeTemporaryAllocation(of: Bool.self, capacity: spans.count) { sent -> R? in
                row.initialize(repeating: nil)
                sent.initialize(repeating: false)
                var texts = false
                // Numbers, nulls and absent values hold no references: only a row that took a
                // string needs destroying (which goes value by value through the value
                // witness, ~40 instructions each).
                defer { if texts { _ = row.deinitialize() } }
                let scanned = body.withUnsafeBufferPointer { bytes in
                    names.withUnsafeBufferPointer { names in
                        spans.withUnsafeBufferPointer { spans in
                            scan(
                                bytes, from: membersAt, into: row, sent: sent, texts: &texts,
                                keys: Keys(names: names, spans: spans, bytes: bytes, plain: plainNames))
                        }
                    }
                }
                return scanned ? try use(UnsafeBufferPointer(row)) : nil
            }
        }
    }

    /// Fills `row` (all nil on entry) and `sent` (which inputs the body named; a repeated key
    /// declines); `texts` says whether any value was a string. `start`: inside the outer
    /// object, past a leading model name (nil: at the body's start).
    private func scan(
        _ bytes: UnsafeBufferPointer<UInt8>, from start: Int?, into row: UnsafeMutableBufferPointer<FeatureValue?>,
        sent: UnsafeMutableBufferPointer<Bool>, texts: inout Bool, keys: Keys
    ) -> Bool {
        var reader = JSONReader.Reader(bytes: bytes, maxDepth: 2)
        if let start {
            reader.position = start
        } else if !reader.consume(UInt8(ascii: "{")) {
            return false
        }
        guard let member = reader.plainString(), JSONReader.key(member, is: "features"),
            reader.consume(UInt8(ascii: ":")), reader.consume(UInt8(ascii: "{"))
        else { return false }
        if !reader.consume(UInt8(ascii: "}")) {
            var expected = 0
            while true {
                reader.skipSpace()
                let k: Int
                if let length = keys.quotedLength(of: expected, at: reader.position) {
                    // The name expected next, as sent (the common case): no scan for the quote.
                    k = expected
                    reader.position += length
                } else {
                    guard let key = reader.unescapedString(), let found = keys.index(of: key, expected: expected)
                    else { return false }
                    k = found
                }
                guard !sent[k], reader.consume(UInt8(ascii: ":")),
                    Self.read(&reader, into: row.baseAddress! + k, texts: &texts)
                else { return false }
                sent[k] = true
                expected = k + 1
                if reader.consume(UInt8(ascii: ",")) { continue }
                guard reader.consume(UInt8(ascii: "}")) else { return false }
                break
            }
        }
        guard reader.consume(UInt8(ascii: "}")) else { return false }
        reader.skipSpace()
        return reader.position == bytes.count
    }

    /// The input names, borrowed for one scan.
    private struct Keys {
        let names: UnsafeBufferPointer<UInt8>
        let spans: UnsafeBufferPointer<Range<Int>>
        let bytes: UnsafeBufferPointer<UInt8>
        let plain: Bool

        /// The bytes `"name"` of input `k` take when they come next at `position`, else nil.
        /// Only for names without quotes, backslashes or control bytes (`plain`), whose JSON
        /// string is the name's bytes between quotes.
        @inline(__always)
        func quotedLength(of k: Int, at position: Int) -> Int? {
            guard plain, k < spans.count else { return nil }
            let span = spans[k]
            let end = position + span.count + 1
            guard end < bytes.count, bytes[position] == UInt8(ascii: "\""), bytes[end] == UInt8(ascii: "\"")
            else { return nil }
            if let base = names.baseAddress {
                let name = base + span.lowerBound
                let sent = bytes.baseAddress! + position + 1
                for i in 0..<span.count where name[i] != sent[i] { return nil }
            }
            return span.count + 2
        }

        func index(of key: UnsafeBufferPointer<UInt8>, expected: Int) -> Int? {
            if expected < spans.count && matches(expected, key) { return expected }
            return spans.indices.first { matches($0, key) }
        }

        /// Byte equality by length, then the bytes (the generic `elementsEqual` walks an iterator).
        private func matches(_ k: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
            let span = spans[k]
            guard span.count == key.count else { return false }
            guard let other = key.baseAddress, !span.isEmpty else { return true }
            let name = names.baseAddress! + span.lowerBound
            // Most names are short: a byte loop beats a call to memcmp.
            guard span.count <= 16 else { return memcmp(name, other, span.count) == 0 }
            for i in 0..<span.count where name[i] != other[i] { return false }
            return true
        }
    }

    /// A number, a plain string or null, stored at `slot` (which holds nil, so nothing is
    /// destroyed); false for anything else (a boolean too: the general path answers it).
    @inline(__always)
    private static func read(
        _ reader: inout JSONReader.Reader, into slot: UnsafeMutablePointer<FeatureValue?>, texts: inout Bool
    ) -> Bool {
        guard let value = reader.plainFeatureValue(booleans: false) else { return false }
        if case .text = value { texts = true }
        slot.initialize(to: value)
        return true
    }
}
