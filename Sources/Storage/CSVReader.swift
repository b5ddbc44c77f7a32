import Foundation

/// Reads RFC 4180 CSV from a file one record at a time, with memory bounded by the
/// longest record: quoted fields with embedded commas, quotes and newlines; CRLF or LF;
/// an optional UTF-8 byte order mark; blank lines skipped.
///
/// Fields are exposed as raw bytes (each followed by a NUL, so C number parsers can read
/// them in place); nothing is copied into a `String` unless the caller asks.
public final class CSVReader {
    public let path: String
    private let file: UnsafeMutablePointer<FILE>
    private var chunk: [UInt8]
    private var position = 0
    private var available = 0
    private var atEndOfFile = false

    /// Bytes of the current record's fields, each followed by a 0 byte.
    private var storage: [UInt8] = []
    /// End offset (exclusive, before the 0) of each field in `storage`.
    private var ends: [Int] = []
    /// 1-based line where the current record starts.
    public private(set) var recordLine = 0
    private var line = 1
    /// Whole-file byte counters, for progress.
    public private(set) var bytesRead = 0

    public init(path: String, chunkSize: Int = 1 << 20) throws {
        self.path = path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CSVError(file: path, message: "no such file")
        }
        guard !isDirectory.boolValue else { throw CSVError(file: path, message: "is a directory, not a CSV file") }
        guard let file = fopen(path, "rb") else {
            throw CSVError(file: path, message: "cannot open: \(String(cString: strerror(errno)))")
        }
        self.file = file
        chunk = [UInt8](repeating: 0, count: chunkSize)
        refill()
        if available >= 3 && chunk[0] == 0xEF && chunk[1] == 0xBB && chunk[2] == 0xBF { position = 3 }
    }

    deinit {
        fclose(file)
    }

    /// Number of fields in the current record.
    public var fieldCount: Int { ends.count }

    /// The bytes of field `i` of the current record; empty for an empty field.
    public func withField<T>(_ i: Int, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        let start = i == 0 ? 0 : ends[i - 1] + 1
        return try storage.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<ends[i]])) }
    }

    /// Whether field `i` is empty (NULL when loaded).
    public func isEmpty(_ i: Int) -> Bool {
        ends[i] == (i == 0 ? 0 : ends[i - 1] + 1)
    }

    /// Field `i` as a string (the record must have been validated as UTF-8).
    public func string(_ i: Int) -> String {
        withField(i) { String(decoding: $0, as: UTF8.self) }
    }

    /// The current record's fields as strings.
    public func strings() -> [String] {
        (0..<fieldCount).map(string)
    }

    /// The index of the first field that is not valid UTF-8, if any.
    public func firstInvalidUTF8Field() -> Int? {
        let valid = storage.withUnsafeBytes { UTF8Validation.isValid($0) }
        if valid { return nil }
        return (0..<fieldCount).first { i in !withField(i) { UTF8Validation.isValid($0) } }
    }

    /// Reads the next record; false at the end of the file.
    public func next() throws -> Bool {
        storage.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        recordLine = line
        var state = State.fieldStart
        var quoteLine = line
        while true {
            guard let byte = nextByte() else {
                switch state {
                case .fieldStart:
                    if ends.isEmpty { return false }
                    endField()
                case .quoted:
                    throw CSVError(
                        file: path, line: quoteLine, column: ends.count + 1,
                        message: "unterminated quoted field: the closing quote is missing")
                case .unquoted, .quoteInQuoted:
                    endField()
                }
                return true
            }
            switch state {
            case .fieldStart:
                switch byte {
                case Self.quote:
                    state = .quoted
                    quoteLine = line
                case Self.comma:
                    endField()
                case Self.lineFeed, Self.carriageReturn:
                    if byte == Self.carriageReturn { skipLineFeed() }
                    line += 1
                    if ends.isEmpty {  // a blank line: not a record
                        recordLine = line
                        continue
                    }
                    endField()
                    return true
                default:
                    storage.append(byte)
                    state = .unquoted
                }
            case .unquoted:
                switch byte {
                case Self.comma:
                    endField()
                    state = .fieldStart
                case Self.lineFeed, Self.carriageReturn:
                    if byte == Self.carriageReturn { skipLineFeed() }
                    line += 1
                    endField()
                    return true
                case Self.quote:
                    throw CSVError(
                        file: path, line: line, column: ends.count + 1,
                        message: "a quote inside an unquoted field; quote the whole field and double the inner quotes")
                default:
                    storage.append(byte)
                    appendUnquotedRun()
                }
            case .quoted:
                if byte == Self.quote {
                    state = .quoteInQuoted
                } else {
                    if byte == Self.lineFeed { line += 1 }
                    storage.append(byte)
                }
            case .quoteInQuoted:
                switch byte {
                case Self.quote:
                    storage.append(Self.quote)
                    state = .quoted
                case Self.comma:
                    endField()
                    state = .fieldStart
                case Self.lineFeed, Self.carriageReturn:
                    if byte == Self.carriageReturn { skipLineFeed() }
                    line += 1
                    endField()
                    return true
                default:
                    throw CSVError(
                        file: path, line: line, column: ends.count + 1,
                        message: "unexpected character after a closing quote; expected a comma or the end of the line")
                }
            }
        }
    }

    private enum State {
        case fieldStart, unquoted, quoted, quoteInQuoted
    }

    private static let quote = UInt8(ascii: "\"")
    private static let comma = UInt8(ascii: ",")
    private static let lineFeed = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")

    private func endField() {
        ends.append(storage.count)
        storage.append(0)
    }

    /// Copies the rest of an unquoted field from the chunk in one go (the common case).
    private func appendUnquotedRun() {
        var end = position
        while end < available {
            let b = chunk[end]
            if b == Self.comma || b == Self.lineFeed || b == Self.carriageReturn || b == Self.quote { break }
            end += 1
        }
        if end > position {
            storage.append(contentsOf: chunk[position..<end])
            position = end
        }
    }

    private func skipLineFeed() {
        if peekByte() == Self.lineFeed { position += 1 }
    }

    @inline(__always)
    private func nextByte() -> UInt8? {
        if position == available {
            refill()
            if available == 0 { return nil }
        }
        let byte = chunk[position]
        position += 1
        return byte
    }

    private func peekByte() -> UInt8? {
        if position == available {
            refill()
            if available == 0 { return nil }
        }
        return chunk[position]
    }

    private func refill() {
        guard !atEndOfFile else {
            position = 0
            available = 0
            return
        }
        let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
        if count < chunk.count { atEndOfFile = true }
        position = 0
        available = count
        bytesRead += count
    }
}

/// UTF-8 validation without building a `String`.
enum UTF8Validation {
    static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b < 0x80 {
                i += 1
                continue
            }
            let length: Int
            let minimum: UInt32
            var scalar: UInt32
            switch b {
            case 0xC2...0xDF: length = 2; minimum = 0x80; scalar = UInt32(b & 0x1F)
            case 0xE0...0xEF: length = 3; minimum = 0x800; scalar = UInt32(b & 0x0F)
            case 0xF0...0xF4: length = 4; minimum = 0x10000; scalar = UInt32(b & 0x07)
            default: return false
            }
            guard i + length <= n else { return false }
            for j in 1..<length {
                let c = bytes[i + j]
                guard c & 0xC0 == 0x80 else { return false }
                scalar = scalar << 6 | UInt32(c & 0x3F)
            }
            guard scalar >= minimum, scalar <= 0x10FFFF, !(0xD800...0xDFFF).contains(scalar) else { return false }
            i += length
        }
        return true
    }
}
