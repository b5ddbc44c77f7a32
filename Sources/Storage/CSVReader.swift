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
    private let chunk: UnsafeMutableRawBufferPointer
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
        chunk = .allocate(byteCount: max(1, chunkSize), alignment: 16)
        refill()
        if available >= 3 && chunk[0] == 0xEF && chunk[1] == 0xBB && chunk[2] == 0xBF { position = 3 }
    }

    deinit {
        fclose(file)
        chunk.deallocate()
    }

    /// Number of fields in the current record.
    public var fieldCount: Int { ends.count }

    /// The bytes of field `i` of the current record; empty for an empty field.
    public func withField<T>(_ i: Int, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        let start = i == 0 ? 0 : ends[i - 1] + 1
        return try storage.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<ends[i]])) }
    }

    /// The whole current record at once: cheaper than field-by-field access in hot loops.
    public func withRecord<T>(_ body: (CSVFields) throws -> T) rethrows -> T {
        try storage.withUnsafeBytes { bytes in
            try ends.withUnsafeBufferPointer { ends in try body(CSVFields(bytes: bytes, ends: ends)) }
        }
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

    /// Reads the next record and checks it has as many fields as the header.
    public func next(expectingFields count: Int) throws -> Bool {
        guard try next() else { return false }
        guard fieldCount == count else {
            throw CSVError(
                file: path, line: recordLine, message: "expected \(count) fields as in the header, found \(fieldCount)")
        }
        return true
    }

    /// Reads the next record; false at the end of the file.
    public func next() throws -> Bool {
        // The record is built in locals and stored back on exit, and the loop uses no
        // closures: stored properties of a class, and variables captured by closures, pay a
        // dynamic exclusivity check on every access.
        var storage = self.storage
        var ends = self.ends
        var line = self.line
        var i = position
        var available = self.available
        self.storage = []
        self.ends = []
        defer {
            self.storage = storage
            self.ends = ends
            self.line = line
            self.position = i
        }
        storage.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        recordLine = line
        var state = State.fieldStart
        var quoteLine = line
        let bytes = chunk
        while true {
            if i == available {
                refill()
                i = 0
                available = self.available
                if available == 0 {
                    switch state {
                    case .fieldStart:
                        if ends.isEmpty { return false }
                    case .quoted:
                        throw CSVError(
                            file: path, line: quoteLine, column: ends.count + 1,
                            message: "unterminated quoted field: the closing quote is missing")
                    case .unquoted, .quoteInQuoted:
                        break
                    }
                    ends.append(storage.count)
                    storage.append(0)
                    return true
                }
            }
            let byte = bytes[i]
            var lineEnd = false
            switch state {
            case .fieldStart, .unquoted:
                if state == .fieldStart && byte == Self.quote {
                    state = .quoted
                    quoteLine = line
                    i += 1
                } else if byte == Self.comma {
                    ends.append(storage.count)
                    storage.append(0)
                    state = .fieldStart
                    i += 1
                } else if byte == Self.lineFeed || byte == Self.carriageReturn {
                    lineEnd = true
                } else if byte == Self.quote {
                    throw CSVError(
                        file: path, line: line, column: ends.count + 1,
                        message: "a quote inside an unquoted field; quote the whole field and double the inner quotes")
                } else {
                    // Copy the run of plain bytes up to the next delimiter in one go.
                    var end = i + 1
                    while end < available {
                        let b = bytes[end]
                        if b == Self.comma || b == Self.lineFeed || b == Self.carriageReturn || b == Self.quote {
                            break
                        }
                        end += 1
                    }
                    storage.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<end]))
                    state = .unquoted
                    i = end
                }
            case .quoted:
                if byte == Self.quote {
                    state = .quoteInQuoted
                    i += 1
                } else {
                    var end = i + 1
                    while end < available && bytes[end] != Self.quote { end += 1 }
                    let run = UnsafeRawBufferPointer(rebasing: bytes[i..<end])
                    for b in run where b == Self.lineFeed { line += 1 }
                    storage.append(contentsOf: run)
                    i = end
                }
            case .quoteInQuoted:
                if byte == Self.quote {
                    storage.append(Self.quote)
                    state = .quoted
                    i += 1
                } else if byte == Self.comma {
                    ends.append(storage.count)
                    storage.append(0)
                    state = .fieldStart
                    i += 1
                } else if byte == Self.lineFeed || byte == Self.carriageReturn {
                    lineEnd = true
                } else {
                    throw CSVError(
                        file: path, line: line, column: ends.count + 1,
                        message: "unexpected character after a closing quote; expected a comma or the end of the line")
                }
            }
            guard lineEnd else { continue }
            let blank = state == .fieldStart && ends.isEmpty
            i += 1
            if byte == Self.carriageReturn {
                // CRLF: the LF may be the first byte of the next chunk.
                if i == available {
                    refill()
                    i = 0
                    available = self.available
                }
                if i < available && bytes[i] == Self.lineFeed { i += 1 }
            }
            line += 1
            if blank {
                recordLine = line
                continue
            }
            ends.append(storage.count)
            storage.append(0)
            return true
        }
    }

    private enum State {
        case fieldStart, unquoted, quoted, quoteInQuoted
    }

    private static let quote = UInt8(ascii: "\"")
    private static let comma = UInt8(ascii: ",")
    private static let lineFeed = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")

    private func refill() {
        guard !atEndOfFile else {
            position = 0
            available = 0
            return
        }
        let count = fread(chunk.baseAddress, 1, chunk.count, file)
        if count < chunk.count { atEndOfFile = true }
        position = 0
        available = count
        bytesRead += count
    }
}

/// The fields of one record, borrowed from the reader for the duration of `withRecord`.
public struct CSVFields {
    let bytes: UnsafeRawBufferPointer
    let ends: UnsafeBufferPointer<Int>

    public var count: Int { ends.count }

    @inline(__always)
    public func isEmpty(_ i: Int) -> Bool {
        ends[i] == (i == 0 ? 0 : ends[i - 1] + 1)
    }

    /// Field `i`'s bytes; a 0 byte follows them in memory.
    @inline(__always)
    public subscript(i: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[(i == 0 ? 0 : ends[i - 1] + 1)..<ends[i]])
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
