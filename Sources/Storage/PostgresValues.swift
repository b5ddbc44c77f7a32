import CLibPQ
import Foundation

/// Bound values in libpq's shape: text format for everything but bytes, with an explicit
/// type where it matters and "unknown" for text so the server can coerce it (json, uuid).
struct PostgresParameters {
    private var types: [Oid] = []
    private var formats: [Int32] = []
    private var lengths: [Int32] = []
    private var offsets: [Int?] = []  // into storage; nil for NULL
    private var storage: [UInt8] = []

    init(_ values: [SQLValue]) {
        for value in values {
            switch value {
            case .null:
                add(type: 0, bytes: nil)
            case .integer(let v):
                add(type: PostgresType.int8, bytes: Array(String(v).utf8))
            case .double(let v):
                add(type: PostgresType.float8, bytes: Array(PostgresText.double(v).utf8))
            case .text(let s):
                add(type: 0, bytes: Array(s.utf8))
            case .bool(let b):
                add(type: PostgresType.bool, bytes: [b ? UInt8(ascii: "t") : UInt8(ascii: "f")])
            case .bytes(let bytes):
                add(type: PostgresType.bytea, bytes: bytes, binary: true)
            case .timestamp(let date):
                add(type: PostgresType.timestamptz, bytes: Array(Timestamp.format(date).utf8))
            }
        }
    }

    private mutating func add(type: Oid, bytes: [UInt8]?, binary: Bool = false) {
        types.append(type)
        formats.append(binary ? 1 : 0)
        if let bytes {
            offsets.append(storage.count)
            lengths.append(Int32(bytes.count))
            storage.append(contentsOf: bytes)
            storage.append(0)  // text values are read as C strings
        } else {
            offsets.append(nil)
            lengths.append(0)
        }
    }

    struct Pointers {
        let count: Int32
        let types: UnsafePointer<Oid>?
        let values: UnsafePointer<UnsafePointer<CChar>?>?
        let lengths: UnsafePointer<Int32>?
        let formats: UnsafePointer<Int32>?
    }

    func withPointers<T>(_ body: (Pointers) -> T) -> T {
        storage.withUnsafeBufferPointer { raw in
            let base = raw.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }
            let values: [UnsafePointer<CChar>?] = offsets.map { offset in offset.flatMap { base?.advanced(by: $0) } }
            return types.withUnsafeBufferPointer { t in
                values.withUnsafeBufferPointer { v in
                    lengths.withUnsafeBufferPointer { l in
                        formats.withUnsafeBufferPointer { f in
                            body(
                                Pointers(
                                    count: Int32(types.count), types: t.baseAddress, values: v.baseAddress,
                                    lengths: l.baseAddress, formats: f.baseAddress))
                        }
                    }
                }
            }
        }
    }
}

/// The type OIDs we bind or decode (from `pg_type`; fixed across Postgres versions).
enum PostgresType {
    static let bool: Oid = 16
    static let bytea: Oid = 17
    static let name: Oid = 19
    static let int8: Oid = 20
    static let int2: Oid = 21
    static let int4: Oid = 23
    static let oid: Oid = 26
    static let float4: Oid = 700
    static let float8: Oid = 701
    static let date: Oid = 1082
    static let timestamp: Oid = 1114
    static let timestamptz: Oid = 1184
    static let numeric: Oid = 1700
}

/// Postgres' text representations shared by parameters, results and COPY.
enum PostgresText {
    static func double(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "Infinity" : "-Infinity" }
        return v.description
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// One field of a COPY text-format row: `\N` for NULL, backslash escapes for text.
    static func appendCopyField(_ value: SQLValue, to buffer: inout [UInt8]) {
        switch value {
        case .null:
            buffer.append(UInt8(ascii: "\\"))
            buffer.append(UInt8(ascii: "N"))
        case .integer(let v):
            buffer.append(contentsOf: String(v).utf8)
        case .double(let v):
            buffer.append(contentsOf: double(v).utf8)
        case .bool(let b):
            buffer.append(b ? UInt8(ascii: "t") : UInt8(ascii: "f"))
        case .text(var s):
            s.withUTF8 { appendCopyEscaped(UnsafeRawBufferPointer($0), to: &buffer) }
        case .bytes(let bytes):
            // bytea hex input is \x..., and the backslash itself is escaped in COPY text.
            buffer.append(contentsOf: [92, 92, UInt8(ascii: "x")])
            for byte in bytes {
                buffer.append(hexDigits[Int(byte >> 4)])
                buffer.append(hexDigits[Int(byte & 0xF)])
            }
        case .timestamp(let date):
            Timestamp.withFormatted(date) { buffer.append(contentsOf: $0) }
        }
    }

    /// Text for COPY: backslash, tab, newline and carriage return escaped.
    static func appendCopyEscaped(_ text: UnsafeRawBufferPointer, to buffer: inout [UInt8]) {
        var runStart = 0
        for (i, byte) in text.enumerated() {
            let escaped: UInt8
            switch byte {
            case UInt8(ascii: "\\"): escaped = 92
            case UInt8(ascii: "\t"): escaped = UInt8(ascii: "t")
            case UInt8(ascii: "\n"): escaped = UInt8(ascii: "n")
            case UInt8(ascii: "\r"): escaped = UInt8(ascii: "r")
            default: continue
            }
            buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[runStart..<i]))
            buffer.append(92)
            buffer.append(escaped)
            runStart = i + 1
        }
        buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[runStart...]))
    }

    /// Decodes bytea's hex output format (`\x0a1b`).
    static func bytea(_ text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard text.count >= 2, text[0] == 92, text[1] == UInt8(ascii: "x"), text.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: c - 48
            case 97...102: c - 87
            case 65...70: c - 55
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity((text.count - 2) / 2)
        var i = 2
        while i < text.count {
            guard let hi = nibble(text[i]), let lo = nibble(text[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }
}

/// Turns the text-format cells of a `PGresult` into typed values by column type OID.
struct PostgresResultDecoder {
    let columns: Columns
    private let types: [Oid]

    init(_ result: OpaquePointer) {
        let count = PQnfields(result)
        columns = Columns((0..<count).map { String(cString: PQfname(result, $0)) })
        types = (0..<count).map { PQftype(result, $0) }
    }

    func values(row: Int32, in result: OpaquePointer) -> [SQLValue] {
        var values: [SQLValue] = []
        values.reserveCapacity(types.count)
        for (index, type) in types.enumerated() {
            let column = Int32(index)
            if PQgetisnull(result, row, column) == 1 {
                values.append(.null)
                continue
            }
            let length = Int(PQgetlength(result, row, column))
            let pointer = PQgetvalue(result, row, column)!
            let bytes = UnsafeRawPointer(pointer).withMemoryRebound(to: UInt8.self, capacity: length) {
                UnsafeBufferPointer(start: $0, count: length)
            }
            values.append(Self.decode(bytes, type: type))
        }
        return values
    }

    private static func decode(_ bytes: UnsafeBufferPointer<UInt8>, type: Oid) -> SQLValue {
        let text = { String(decoding: bytes, as: UTF8.self) }
        switch type {
        case PostgresType.bool:
            return .bool(bytes.first == UInt8(ascii: "t"))
        case PostgresType.int8, PostgresType.int4, PostgresType.int2, PostgresType.oid:
            return Int64(text()).map(SQLValue.integer) ?? .text(text())
        case PostgresType.float4, PostgresType.float8, PostgresType.numeric:
            return Double(text()).map(SQLValue.double) ?? .text(text())
        case PostgresType.bytea:
            return PostgresText.bytea(bytes).map(SQLValue.bytes) ?? .text(text())
        case PostgresType.timestamp, PostgresType.timestamptz, PostgresType.date:
            return Timestamp.parse(bytes: UnsafeRawBufferPointer(bytes)).map(SQLValue.timestamp) ?? .text(text())
        default:
            return .text(text())
        }
    }
}
