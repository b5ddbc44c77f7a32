/// A cursor over Thrift compact-protocol bytes (Parquet's footer and page headers), with a
/// bound on every length it reads: a corrupt or hostile file is an error, never a trap, an
/// allocation past the input, or unbounded recursion. Fields a reader does not ask for are
/// skipped, so files from newer writers (new fields keep appearing) still read.
struct ThriftCompactReader {
    enum FieldType: UInt8 {
        case stop = 0, boolTrue = 1, boolFalse = 2, byte = 3, i16 = 4, i32 = 5, i64 = 6, double = 7, binary = 8
        case list = 9, set = 10, map = 11, structure = 12
    }

    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    private let bytes: [UInt8]
    private(set) var position: Int
    private let end: Int
    /// Nesting below this is refused (skipping recurses).
    private static let maximumDepth = 64

    init(_ bytes: [UInt8], from start: Int = 0, to end: Int? = nil) {
        self.bytes = bytes
        position = start
        self.end = min(end ?? bytes.count, bytes.count)
    }

    var remaining: Int { end - position }

    private func fail(_ what: String) -> Malformed {
        Malformed(description: "\(what) at byte \(position)")
    }

    mutating func byte() throws -> UInt8 {
        guard position < end else { throw fail("unexpected end of metadata") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
            guard shift < 64 else { throw fail("varint longer than 10 bytes") }
        }
    }

    mutating func zigzag() throws -> Int64 {
        let n = try varint()
        return Int64(bitPattern: (n >> 1) ^ (0 &- (n & 1)))
    }

    mutating func i32() throws -> Int32 {
        let v = try zigzag()
        guard let narrow = Int32(exactly: v) else { throw fail("i32 out of range") }
        return narrow
    }

    mutating func i64() throws -> Int64 { try zigzag() }

    mutating func double() throws -> Double {
        guard remaining >= 8 else { throw fail("unexpected end of metadata") }
        var bits: UInt64 = 0
        for i in 0..<8 { bits |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
        position += 8
        return Double(bitPattern: bits)
    }

    mutating func binary() throws -> [UInt8] {
        let length = try varint()
        guard length <= UInt64(remaining) else { throw fail("a length of \(length) bytes runs past the metadata") }
        defer { position += Int(length) }
        return Array(bytes[position..<(position + Int(length))])
    }

    mutating func string() throws -> String {
        String(decoding: try binary(), as: UTF8.self)
    }

    /// Reads a struct's fields, calling `field` with each id and type; `field` returns false
    /// for fields it does not read, which are skipped.
    mutating func readStruct(
        depth: Int = 0, _ field: (inout ThriftCompactReader, Int16, FieldType) throws -> Bool
    ) throws {
        guard depth < Self.maximumDepth else { throw fail("metadata nested too deeply") }
        var last: Int16 = 0
        while true {
            let header = try byte()
            guard let type = FieldType(rawValue: header & 0x0F) else {
                throw fail("unknown field type \(header & 0x0F)")
            }
            if type == .stop { return }
            let delta = Int16(header >> 4)
            let id: Int16
            if delta == 0 {
                let wide = try zigzag()
                guard let narrow = Int16(exactly: wide) else { throw fail("field id out of range") }
                id = narrow
            } else {
                id = last &+ delta
            }
            last = id
            if try !field(&self, id, type) { try skip(type, depth: depth + 1) }
        }
    }

    /// A list's element type and count (the count checked against the bytes left: every
    /// element takes at least one).
    mutating func listHeader() throws -> (type: FieldType, count: Int) {
        let header = try byte()
        guard let type = FieldType(rawValue: header & 0x0F) else { throw fail("unknown element type") }
        var count = UInt64(header >> 4)
        if count == 15 { count = try varint() }
        guard count <= UInt64(remaining) else { throw fail("a list of \(count) elements runs past the metadata") }
        return (type, Int(count))
    }

    /// A list of structs, each read by `element`.
    mutating func list<T>(depth: Int = 0, _ element: (inout ThriftCompactReader) throws -> T) throws -> [T] {
        let (_, count) = try listHeader()
        var items: [T] = []
        items.reserveCapacity(count)
        for _ in 0..<count { items.append(try element(&self)) }
        return items
    }

    /// A field's boolean value (compact protocol keeps it in the field's type).
    func bool(_ type: FieldType) -> Bool { type == .boolTrue }

    mutating func skip(_ type: FieldType, depth: Int) throws {
        guard depth < Self.maximumDepth else { throw fail("metadata nested too deeply") }
        switch type {
        case .stop: return
        case .boolTrue, .boolFalse: return
        case .byte: position += 1
        case .i16, .i32, .i64: _ = try varint()
        case .double:
            guard remaining >= 8 else { throw fail("unexpected end of metadata") }
            position += 8
        case .binary: _ = try binary()
        case .list, .set:
            let (element, count) = try listHeader()
            for _ in 0..<count {
                if element == .boolTrue || element == .boolFalse {
                    _ = try byte()
                } else {
                    try skip(element, depth: depth + 1)
                }
            }
        case .map:
            let count = try varint()
            guard count <= UInt64(remaining) else { throw fail("a map of \(count) entries runs past the metadata") }
            if count == 0 { return }
            let types = try byte()
            guard let key = FieldType(rawValue: types >> 4), let value = FieldType(rawValue: types & 0x0F) else {
                throw fail("unknown map types")
            }
            for _ in 0..<count {
                try skip(key, depth: depth + 1)
                try skip(value, depth: depth + 1)
            }
        case .structure:
            try readStruct(depth: depth) { _, _, _ in false }
        }
        guard position <= end else { throw fail("unexpected end of metadata") }
    }
}
