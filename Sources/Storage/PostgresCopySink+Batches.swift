import Foundation

extension PostgresCopySink {
    /// A batch straight into COPY text: numbers formatted once, literals copied as they are
    /// (the database parses them), text escaped; no `SQLValue` per cell.
    func append(_ batch: ColumnBatch) throws {
        guard batch.columns.count == width else {
            throw DatabaseError.misuse("bulk insert batch has \(batch.columns.count) columns for \(width)")
        }
        let u = batch.unpacked()
        for r in 0..<batch.rowCount {
            for c in 0..<u.kinds.count {
                if c > 0 { buffer.append(UInt8(ascii: "\t")) }
                if u.hasNulls[c] && u.nulls[c][r] {
                    buffer.append(contentsOf: [92, UInt8(ascii: "N")])
                    continue
                }
                switch u.kinds[c] {
                case .integer: Self.appendDecimal(u.integers[c][r], to: &buffer)
                case .double: buffer.append(contentsOf: PostgresText.double(u.doubles[c][r]).utf8)
                case .boolean: buffer.append(u.booleans[c][r] ? UInt8(ascii: "t") : UInt8(ascii: "f"))
                case .timestamp:
                    Timestamp.withFormatted(Date(timeIntervalSince1970: u.doubles[c][r])) {
                        buffer.append(contentsOf: $0)
                    }
                case .text:
                    u.bytes[c].withValue(r) { PostgresText.appendCopyEscaped($0, to: &buffer) }
                case .binary:
                    PostgresText.appendCopyField(.bytes(u.bytes[c].withValue(r) { Array($0) }), to: &buffer)
                case .literal:
                    // Numbers, booleans and ISO timestamps were checked by the reader and are
                    // already in a form Postgres' input functions read.
                    let escape = u.literalTypes[c] == .text
                    u.bytes[c].withValue(r) { field in
                        if field.isEmpty {
                            buffer.append(contentsOf: [92, UInt8(ascii: "N")])
                        } else if escape {
                            PostgresText.appendCopyEscaped(field, to: &buffer)
                        } else {
                            buffer.append(
                                contentsOf: UnsafeBufferPointer(
                                    start: field.baseAddress!.assumingMemoryBound(to: UInt8.self), count: field.count))
                        }
                    }
                }
            }
            buffer.append(UInt8(ascii: "\n"))
            count += 1
            if buffer.count >= Self.flushThreshold { try flush() }
        }
    }

    /// Decimal digits without a String.
    static func appendDecimal(_ value: Int64, to buffer: inout [UInt8]) {
        if value == .min {
            buffer.append(contentsOf: "-9223372036854775808".utf8)
            return
        }
        var v = value
        if v < 0 {
            buffer.append(UInt8(ascii: "-"))
            v = -v
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // room for 19 digits
        var n = 0
        withUnsafeMutableBytes(of: &digits) { room in
            repeat {
                room[n] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
                n += 1
            } while v > 0
            for i in stride(from: n - 1, through: 0, by: -1) { buffer.append(room[i]) }
        }
    }
}
