import Foundation

/// A leaf of a flat Parquet schema: what it is called, how it is stored, and what the
/// table gets from it.
struct ParquetColumn {
    let name: String
    let physical: Parquet.PhysicalType
    let annotation: Parquet.Annotation?
    /// FIXED_LEN_BYTE_ARRAY's width.
    let typeLength: Int
    /// 1 for an optional column (a definition level per value), 0 for a required one.
    let maxDefinitionLevel: Int
    let type: CSVColumnType

    /// Why a column cannot be loaded.
    struct Unsupported: Error {
        let reason: String
    }

    /// The table type a column loads as.
    static func tableType(
        physical: Parquet.PhysicalType, annotation: Parquet.Annotation?, typeLength: Int
    ) throws -> CSVColumnType {
        switch (physical, annotation) {
        case (_, .other(let what)?): throw Unsupported(reason: "\(what) columns are not supported")
        case (_, .time?): throw Unsupported(reason: "TIME columns are not supported")
        case (_, .decimal?): return .double
        case (.boolean, _): return .boolean
        case (.int32, .date?): return .timestamp
        case (.int64, .timestamp?), (.int96, _): return .timestamp
        case (.int32, nil), (.int32, .integer?), (.int64, nil), (.int64, .integer?): return .integer
        case (.float, _), (.double, _): return .double
        case (.fixedLenByteArray, .float16?) where typeLength == 2: return .double
        case (.fixedLenByteArray, .uuid?) where typeLength == 16: return .text
        case (.byteArray, .string?), (.byteArray, .enumeration?), (.byteArray, .json?):
            return .text
        case (.byteArray, nil), (.fixedLenByteArray, nil):
            return .bytes
        default:
            throw Unsupported(
                reason: "\(physical) with \(annotation.map { "\($0)" } ?? "no annotation") is not supported")
        }
    }

    static func bigEndianSigned(_ bytes: ArraySlice<UInt8>) -> Double {
        guard let first = bytes.first else { return 0 }
        var value = Double(first & 0x7F) - (first & 0x80 != 0 ? 128 : 0)
        for byte in bytes.dropFirst() { value = value * 256 + Double(byte) }
        return value
    }

    static func float16(_ bytes: ArraySlice<UInt8>) -> Double {
        let bits = UInt16(bytes[bytes.startIndex]) | UInt16(bytes[bytes.startIndex + 1]) << 8
        return Double(Float16(bitPattern: bits))
    }

    static func uuid(_ bytes: ArraySlice<UInt8>) -> String {
        let hex = bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
        return [0..<4, 4..<6, 6..<8, 8..<10, 10..<16].map { hex[$0].joined() }.joined(separator: "-")
    }
}

/// One page's values that are present (nulls are in the definition levels), in their
/// physical form.
enum ParquetValues {
    case boolean([Bool])
    case int32([Int32])
    case int64([Int64])
    case int96([(Int64, Int32)])
    case float([Float])
    case double([Double])
    /// BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY.
    case bytes(ParquetEncodings.ByteArrays)

    var count: Int {
        switch self {
        case .boolean(let v): v.count
        case .int32(let v): v.count
        case .int64(let v): v.count
        case .int96(let v): v.count
        case .float(let v): v.count
        case .double(let v): v.count
        case .bytes(let v): v.count
        }
    }

    /// The values at `indices` (a dictionary page gathered by a data page's indices).
    func gather(_ indices: [UInt32]) -> ParquetValues {
        switch self {
        case .boolean(let v): .boolean(indices.map { v[Int($0)] })
        case .int32(let v): .int32(indices.map { v[Int($0)] })
        case .int64(let v): .int64(indices.map { v[Int($0)] })
        case .int96(let v): .int96(indices.map { v[Int($0)] })
        case .float(let v): .float(indices.map { v[Int($0)] })
        case .double(let v): .double(indices.map { v[Int($0)] })
        case .bytes(let v):
            .bytes(
                indices.reduce(into: ParquetEncodings.ByteArrays()) { out, i in out.append(v[Int(i)]) })
        }
    }
}
