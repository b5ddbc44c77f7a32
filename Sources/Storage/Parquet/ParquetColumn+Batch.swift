import Foundation

/// One column of a batch being filled from Parquet pages, in the table type's own array.
struct BatchColumnBuilder {
    let type: CSVColumnType
    var integers: [Int64] = []
    /// Doubles, and timestamps as seconds since 1970.
    var doubles: [Double] = []
    var booleans: [Bool] = []
    var texts = ColumnBatch.Bytes()
    var nulls: [Bool] = []
    var hasNull = false

    mutating func appendNull() {
        nulls.append(true)
        hasNull = true
        switch type {
        case .integer: integers.append(0)
        case .double, .timestamp: doubles.append(0)
        case .boolean: booleans.append(false)
        case .text, .bytes: texts.append(EmptyCollection<UInt8>())
        }
    }

    /// The column so far, then empty for the next batch.
    mutating func take() -> ColumnBatch.Column {
        let values: ColumnBatch.Values =
            switch type {
            case .integer: .integer(integers)
            case .double: .double(doubles)
            case .timestamp: .timestamp(doubles)
            case .boolean: .boolean(booleans)
            case .text: .text(texts)
            case .bytes: .bytes(texts)
            }
        let column = ColumnBatch.Column(values: values, nulls: hasNull ? nulls : nil)
        integers.removeAll(keepingCapacity: true)
        doubles.removeAll(keepingCapacity: true)
        booleans.removeAll(keepingCapacity: true)
        texts.removeAll()
        nulls.removeAll(keepingCapacity: true)
        hasNull = false
        return column
    }
}

extension ParquetColumn {
    /// Converts `rows` of a page (its present values from `valueIndex` on) into the builder.
    /// Returns the page row whose value the table cannot hold (a timestamp outside years
    /// 1-9999, an unsigned 64-bit value past BIGINT, binary that is not UTF-8), or nil.
    func append(
        _ page: ParquetColumnChunk.Page, rows: Range<Int>, valueIndex: inout Int, to builder: inout BatchColumnBuilder
    ) -> Int? {
        // The per-value work for each physical type, chosen once per call.
        func each(_ convert: (Int) -> Bool) -> Int? {
            for r in rows {
                if let present = page.present, !present[r] {
                    builder.appendNull()
                    continue
                }
                builder.nulls.append(false)
                guard convert(valueIndex) else { return r }
                valueIndex += 1
            }
            return nil
        }
        func timestamp(_ seconds: Double) -> Bool {
            guard seconds >= -62_135_596_800, seconds < 253_402_300_800 else { return false }
            builder.doubles.append(seconds)
            return true
        }
        switch page.values {
        case .boolean(let v):
            return each {
                builder.booleans.append(v[$0]); return true
            }
        case .int32(let v):
            switch annotation {
            case .date?: return each { timestamp(Double(v[$0]) * 86_400) }
            case .decimal(let scale, _)?:
                let divisor = pow(10, Double(scale))
                return each {
                    builder.doubles.append(Double(v[$0]) / divisor); return true
                }
            case .integer(_, false)?:
                return each {
                    builder.integers.append(Int64(UInt32(bitPattern: v[$0]))); return true
                }
            default:
                return each {
                    builder.integers.append(Int64(v[$0])); return true
                }
            }
        case .int64(let v):
            switch annotation {
            case .timestamp(let unit, _)?:
                let scale: Double =
                    switch unit {
                    case .millis: 1e3
                    case .micros: 1e6
                    case .nanos: 1e9
                    }
                return each { timestamp(Double(v[$0]) / scale) }
            case .decimal(let scale, _)?:
                let divisor = pow(10, Double(scale))
                return each {
                    builder.doubles.append(Double(v[$0]) / divisor); return true
                }
            case .integer(64, false)?:
                return each {
                    guard v[$0] >= 0 else { return false }
                    builder.integers.append(v[$0])
                    return true
                }
            default:
                return each {
                    builder.integers.append(v[$0]); return true
                }
            }
        case .int96(let v):
            // Nanoseconds of the day, then the Julian day (2,440,588 is 1970-01-01).
            return each { timestamp(Double(Int64(v[$0].1) - 2_440_588) * 86_400 + Double(v[$0].0) / 1e9) }
        case .float(let v):
            return each {
                builder.doubles.append(Double(v[$0])); return true
            }
        case .double(let v):
            return each {
                builder.doubles.append(v[$0]); return true
            }
        case .bytes(let arrays):
            switch annotation {
            case .decimal(let scale, _)?:
                let divisor = pow(10, Double(scale))
                return each {
                    builder.doubles.append(Self.bigEndianSigned(arrays[$0]) / divisor); return true
                }
            case .float16?:
                return each {
                    builder.doubles.append(Self.float16(arrays[$0])); return true
                }
            case .uuid?:
                return each {
                    builder.texts.append(Array(Self.uuid(arrays[$0]).utf8)); return true
                }
            case nil where type == .bytes:
                return each {
                    builder.texts.append(arrays[$0]); return true
                }
            default:
                return each {
                    let bytes = arrays[$0]
                    guard bytes.withUnsafeBytes({ UTF8Validation.isValid($0) }) else { return false }
                    builder.texts.append(bytes)
                    return true
                }
            }
        }
    }
}
