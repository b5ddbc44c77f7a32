import Storage

/// Why a body is not JSON, and where.
public struct JSONParseError: Error, Sendable, Equatable {
    /// 0-based byte offset of the problem.
    public let offset: Int
    public let message: String
}

/// A small, strict JSON reader (RFC 8259) for request bodies: fast on the prediction path
/// and precise about where a body goes wrong.
public enum JSONReader {
    public static func parse(_ bytes: [UInt8], maxDepth: Int = 64) throws -> JSONValue {
        try bytes.withUnsafeBufferPointer { buffer in
            var reader = Reader(bytes: buffer, maxDepth: maxDepth)
            reader.skipSpace()
            let value = try reader.value(depth: 0)
            reader.skipSpace()
            guard reader.position == buffer.count else { throw reader.error("unexpected data after the JSON value") }
            return value
        }
    }

    /// The cursor behind `parse`, shared with readers of one known shape
    /// (`FeatureRowScanner`) so every path accepts exactly the same grammar.
    struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        let maxDepth: Int
        var position = 0

        func error(_ message: String) -> JSONParseError {
            JSONParseError(offset: position, message: message)
        }

        @inline(__always)
        mutating func skipSpace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        mutating func value(depth: Int) throws -> JSONValue {
            guard position < bytes.count else { throw error("unexpected end of input") }
            switch bytes[position] {
            case UInt8(ascii: "{"): return try object(depth: depth + 1)
            case UInt8(ascii: "["): return try array(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "n"): return try literal("null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            default: throw error("unexpected character '\(Unicode.Scalar(bytes[position]))'")
            }
        }

        mutating func literal(_ word: StaticString, _ value: JSONValue) throws -> JSONValue {
            let count = word.utf8CodeUnitCount
            guard position + count <= bytes.count,
                UnsafeBufferPointer(rebasing: bytes[position..<(position + count)]).elementsEqual(
                    UnsafeBufferPointer(start: word.utf8Start, count: count))
            else { throw error("invalid literal") }
            position += count
            return value
        }

        mutating func object(depth: Int) throws -> JSONValue {
            guard depth <= maxDepth else { throw error("nested deeper than \(maxDepth) levels") }
            position += 1
            var members: [(String, JSONValue)] = []
            // Repeated keys are found by comparing with the keys so far while there are few
            // (hashing each key cost ~350 instructions), by a set past that.
            var keys: Set<String>?
            skipSpace()
            if position < bytes.count && bytes[position] == UInt8(ascii: "}") {
                position += 1
                return .object(members)
            }
            members.reserveCapacity(8)
            while true {
                skipSpace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                    throw error("expected a string key")
                }
                let keyOffset = position
                let key = try string()
                // A repeated key has no agreed meaning (first wins? last?): refuse it.
                let repeated: Bool
                if members.count < Self.linearKeys {
                    repeated = members.contains { $0.0 == key }
                } else {
                    if keys == nil { keys = Set(members.map(\.0)) }
                    repeated = !keys!.insert(key).inserted
                }
                if repeated {
                    position = keyOffset
                    throw error("duplicate key \"\(key.prefix(64))\"")
                }
                skipSpace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw error("expected ':'") }
                position += 1
                skipSpace()
                members.append((key, try value(depth: depth)))
                skipSpace()
                guard position < bytes.count else { throw error("unexpected end of input in an object") }
                if bytes[position] == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                guard bytes[position] == UInt8(ascii: "}") else { throw error("expected ',' or '}'") }
                position += 1
                return .object(members)
            }
        }

        mutating func array(depth: Int) throws -> JSONValue {
            guard depth <= maxDepth else { throw error("nested deeper than \(maxDepth) levels") }
            position += 1
            var items: [JSONValue] = []
            skipSpace()
            if position < bytes.count && bytes[position] == UInt8(ascii: "]") {
                position += 1
                return .array(items)
            }
            while true {
                skipSpace()
                items.append(try value(depth: depth))
                skipSpace()
                guard position < bytes.count else { throw error("unexpected end of input in an array") }
                if bytes[position] == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                guard bytes[position] == UInt8(ascii: "]") else { throw error("expected ',' or ']'") }
                position += 1
                return .array(items)
            }
        }

        /// Consumes `byte` (after any white space) if it is next.
        @inline(__always)
        mutating func consume(_ byte: UInt8) -> Bool {
            skipSpace()
            guard position < bytes.count, bytes[position] == byte else { return false }
            position += 1
            return true
        }

        /// A string's bytes in place when it has no escapes (nil otherwise, or when the
        /// next value is not a string); the bytes are not checked for UTF-8.
        @inline(__always)
        mutating func unescapedString() -> UnsafeBufferPointer<UInt8>? {
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

        /// Keys compared one by one below this many members.
        static let linearKeys = 16

        mutating func string() throws -> String {
            position += 1
            let start = position
            // Fast path: no escapes.
            while position < bytes.count {
                let b = bytes[position]
                if b == UInt8(ascii: "\"") {
                    let raw = UnsafeBufferPointer(rebasing: bytes[start..<position])
                    position += 1
                    guard let text = UTF8Bytes.string(raw) else {
                        throw JSONParseError(offset: start, message: "string is not valid UTF-8")
                    }
                    return text
                }
                if b == UInt8(ascii: "\\") { break }
                if b < 0x20 { throw error("control character in a string") }
                position += 1
            }
            var out = Array(UnsafeBufferPointer(rebasing: bytes[start..<position]))
            while position < bytes.count {
                let b = bytes[position]
                if b == UInt8(ascii: "\"") {
                    position += 1
                    guard let text = out.withUnsafeBufferPointer({ UTF8Bytes.string($0) }) else {
                        throw JSONParseError(offset: start, message: "string is not valid UTF-8")
                    }
                    return text
                }
                if b < 0x20 { throw error("control character in a string") }
                if b != UInt8(ascii: "\\") {
                    out.append(b)
                    position += 1
                    continue
                }
                position += 1
                guard position < bytes.count else { break }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                            bytes[position + 1] == UInt8(ascii: "u")
                        else { throw error("unpaired surrogate in a \\u escape") }
                        position += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw error("invalid surrogate pair") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw error("unpaired surrogate in a \\u escape")
                    }
                    out.append(contentsOf: String(Unicode.Scalar(scalar)!).utf8)
                default:
                    position -= 1
                    throw error("invalid escape '\\\(Unicode.Scalar(escape))'")
                }
            }
            throw error("unterminated string")
        }

        mutating func hex4() throws -> UInt32 {
            guard position + 4 <= bytes.count else { throw error("truncated \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let b = bytes[position]
                let digit: UInt32
                switch b {
                case 48...57: digit = UInt32(b - 48)
                case 97...102: digit = UInt32(b - 87)
                case 65...70: digit = UInt32(b - 55)
                default: throw error("invalid hex digit in \\u escape")
                }
                value = value << 4 | digit
                position += 1
            }
            return value
        }

        mutating func number() throws -> Double {
            let start = position
            switch DecimalNumber.parseJSON(bytes, at: &position) {
            case .value(let value): return value
            case .invalid: throw error("invalid number")
            case .outOfRange: throw JSONParseError(offset: start, message: "number out of range")
            }
        }
    }
}
