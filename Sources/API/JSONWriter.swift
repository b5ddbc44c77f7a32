import Storage

/// Writes JSON into a byte buffer: the response path's counterpart of `JSONReader`.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    /// Whether the innermost open container has a member already (a comma comes before the
    /// next). One flag is enough: every container further out has one, the container it
    /// holds open. (An array of flags, one a level, cost every answer an allocation.)
    private var needsComma = false

    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        needsComma = true
    }

    private mutating func open(_ bracket: UInt8) {
        separate()
        bytes.append(bracket)
        needsComma = false
    }

    /// The container that held this one has a member: it.
    private mutating func close(_ bracket: UInt8) {
        bytes.append(bracket)
        needsComma = true
    }

    public mutating func beginObject() { open(UInt8(ascii: "{")) }

    public mutating func endObject() { close(UInt8(ascii: "}")) }

    public mutating func beginArray() { open(UInt8(ascii: "[")) }

    public mutating func endArray() { close(UInt8(ascii: "]")) }

    /// A key inside an object; the next value is its value.
    public mutating func key(_ name: String) {
        separate()
        appendString(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
        pendingKey = true
    }

    private var pendingKey = false

    /// A key encoded once (`"name":`), for the keys every answer writes.
    public struct Key: Sendable {
        fileprivate let encoded: [UInt8]

        public init(_ name: String) {
            var json = JSONWriter(capacity: name.utf8.count + 3)
            json.appendString(name)
            json.bytes.append(UInt8(ascii: ":"))
            encoded = json.bytes
        }
    }

    /// A key inside an object, already encoded; the next value is its value.
    public mutating func key(_ key: Key) {
        separate()
        bytes.append(contentsOf: key.encoded)
        needsComma = false
        pendingKey = true
    }

    private mutating func beforeValue() {
        if pendingKey {
            pendingKey = false
            needsComma = true
        } else {
            separate()
        }
    }

    public mutating func value(_ text: String) {
        beforeValue()
        appendString(text)
    }

    /// A string known to need no escape (a request id, made of URL-safe characters): its
    /// bytes between quotes, without looking at each for one.
    mutating func value(plain text: String) {
        assert(!text.utf8.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }, text)
        beforeValue()
        bytes.append(UInt8(ascii: "\""))
        if text.utf8.withContiguousStorageIfAvailable({ bytes.append(contentsOf: $0) }) == nil {
            bytes.append(contentsOf: text.utf8)
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// A number: whole ones below 10^15 as integers ("3"), others as the shortest decimal
    /// that reads back as the same double ("0.1", "1e-05"); NaN and infinities as null.
    public mutating func value(_ number: Double) {
        beforeValue()
        if number.isFinite {
            if number == number.rounded() && abs(number) < 1e15 {
                appendDecimal(Int(number))
            } else {
                appendWritten { ShortestDecimal.write(number, into: $0) }
            }
        } else {
            bytes.append(contentsOf: "null".utf8)
        }
    }

    public mutating func value(_ number: Int) {
        beforeValue()
        appendDecimal(number)
    }

    private mutating func appendDecimal(_ number: Int) {
        appendWritten { ShortestDecimal.write(number, into: $0) }
    }

    /// Appends what `write` puts in a stack buffer of `ShortestDecimal.maximumLength` bytes
    /// (it returns the count).
    @inline(__always)
    private mutating func appendWritten(_ write: (UnsafeMutablePointer<UInt8>) -> Int) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: ShortestDecimal.maximumLength) { buffer in
            let count = write(buffer.baseAddress!)
            bytes.append(contentsOf: UnsafeBufferPointer(start: buffer.baseAddress, count: count))
        }
    }

    public mutating func value(_ flag: Bool) {
        beforeValue()
        bytes.append(contentsOf: (flag ? "true" : "false").utf8)
    }

    public mutating func null() {
        beforeValue()
        bytes.append(contentsOf: "null".utf8)
    }

    /// Members of the open object already encoded (`"a":1,"b":"x"`, no braces): the same
    /// bytes as writing them one by one, without redoing the work for every response.
    public mutating func members(_ encoded: [UInt8]) {
        separate()
        bytes.append(contentsOf: encoded)
    }

    /// Already-encoded JSON, inserted as a value.
    public mutating func raw(_ json: String) {
        beforeValue()
        bytes.append(contentsOf: json.utf8)
    }

    private static let hex = Array("0123456789abcdef".utf8)

    private mutating func appendString(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        // Most strings (names, ids) need no escape: copy them whole, scanning their bytes in place.
        var text = text
        let plain = text.withUTF8 { utf8 -> Bool in
            for b in utf8 where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { return false }
            bytes.append(contentsOf: utf8)
            return true
        }
        if plain {
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [92, 34])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [92, 92])
            case 0x0A: bytes.append(contentsOf: [92, UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [92, UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [92, UInt8(ascii: "t")])
            case 0..<0x20:
                bytes.append(contentsOf: [92, UInt8(ascii: "u"), 48, 48, Self.hex[Int(b >> 4)], Self.hex[Int(b & 15)]])
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
