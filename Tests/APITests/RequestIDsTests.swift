import Testing

@testable import API

@Suite("Request ids")
struct RequestIDsTests {
    /// Unique within a process and across two, short enough to be stored inline (at most
    /// 15 bytes), and made only of characters that need no escaping in a URL, a header or
    /// JSON, with no '#' (which feedback puts after an id).
    @Test func uniqueShortAndPlain() {
        let a = RequestIDs()
        let b = RequestIDs()
        var seen = Set<String>()
        for _ in 0..<100_000 {
            for id in [a.next(), b.next()] {
                #expect(seen.insert(id).inserted, "\(id) repeated")
                #expect(id.utf8.count <= 15, "\(id) is longer than 15 bytes")
                let parts = id.split(separator: "-")
                #expect(parts.count == 2 && parts[0].count == 8, "\(id)")
                #expect(id.utf8.allSatisfy { $0 == 45 || $0 == 95 || $0 == 126 || (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) })
            }
        }
        #expect(a.next().split(separator: "-")[0] != b.next().split(separator: "-")[0])
    }
}
