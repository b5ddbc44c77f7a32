import Foundation
import Storage
import TestSupport
import Testing

@Suite("CSV reading")
struct CSVReaderTests {
    func records(_ text: String, chunkSize: Int = 1 << 20) throws -> [[String]] {
        try records(Array(text.utf8), chunkSize: chunkSize)
    }

    func records(_ bytes: [UInt8], chunkSize: Int = 1 << 20) throws -> [[String]] {
        let path = try temporaryFile(bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try CSVReader(path: path, chunkSize: chunkSize)
        var out: [[String]] = []
        while try reader.next() { out.append(reader.strings()) }
        return out
    }

    static let tricky = "id,text,note\r\n1,\"a, b\",\"say \"\"hi\"\"\"\r\n2,\"multi\nline\",\r\n\r\n3,,\"\"\r\n"
    static let trickyRecords = [
        ["id", "text", "note"], ["1", "a, b", "say \"hi\""], ["2", "multi\nline", ""], ["3", "", ""],
    ]

    @Test("quoted fields with commas, doubled quotes and newlines; CRLF; blank lines")
    func rfc4180() throws {
        #expect(try records(Self.tricky) == Self.trickyRecords)
    }

    @Test("the same records whatever the read chunk size", arguments: [1, 2, 3, 7, 64])
    func chunkBoundaries(chunkSize: Int) throws {
        #expect(try records(Self.tricky, chunkSize: chunkSize) == Self.trickyRecords)
    }

    @Test("a byte order mark is skipped, LF endings and a missing final newline work")
    func bomAndEndings() throws {
        #expect(try records([0xEF, 0xBB, 0xBF] + Array("a,b\n1,2".utf8)) == [["a", "b"], ["1", "2"]])
        #expect(try records("a,b\n1,\n") == [["a", "b"], ["1", ""]])
    }

    @Test(
        "errors name the line and column",
        arguments: [
            ("a,b\n1,\"open\n2,3\n", 2, "unterminated quoted field"),
            ("a,b\n1,x\"y\n", 2, "a quote inside an unquoted field"),
            ("a,b\n1,\"x\"y\n", 2, "unexpected character after a closing quote"),
        ])
    func errors(text: String, line: Int, message: String) throws {
        let path = try temporaryFile(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try CSVReader(path: path)
        let error = #expect(throws: CSVError.self) { while try reader.next() {} }
        #expect(error?.line == line)
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
        #expect(error?.column == 2)
    }

    @Test("line numbers count the newlines inside quoted fields")
    func lineNumbers() throws {
        let path = try temporaryFile("a\n\"x\ny\nz\"\n\"q\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try CSVReader(path: path)
        _ = try reader.next()
        _ = try reader.next()
        #expect(reader.recordLine == 2)
        let error = #expect(throws: CSVError.self) { _ = try reader.next() }
        #expect(error?.line == 5)
    }
}
