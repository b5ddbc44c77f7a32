import Foundation
import Storage
import TestSupport
import Testing

@Suite("Timestamp text")
struct TimestampTests {
    @Test("formats as ISO 8601 UTC with microseconds")
    func formats() {
        #expect(Timestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000000Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 951_782_400.5)) == "2000-02-29T00:00:00.500000Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59.000000Z")
        // Years before 1000 keep four digits; years past 9999 are written out in full.
        #expect(Timestamp.format(Date(timeIntervalSince1970: -61_783_066_433)) == "0012-03-04T05:06:07.000000Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 253_402_300_800)) == "10000-01-01T00:00:00.000000Z")
    }

    @Test(
        "parses dates, times, fractions and offsets",
        arguments: [
            ("2024-03-01", 1_709_251_200.0),
            ("2024-03-01T12:30", 1_709_296_200.0),
            ("2024-03-01 12:30:05", 1_709_296_205.0),
            ("2024-03-01T12:30:05.25Z", 1_709_296_205.25),
            ("2024-03-01 12:30:05+00", 1_709_296_205.0),
            ("2024-03-01T14:30:05+02:00", 1_709_296_205.0),
            ("2024-03-01T07:00:05-0530", 1_709_296_205.0),
        ])
    func parses(text: String, seconds: Double) {
        #expect(Timestamp.parse(text)?.timeIntervalSince1970 == seconds)
    }

    @Test(
        "rejects what is not a timestamp",
        arguments: [
            "2024-02-30", "2023-02-29", "2024-13-01", "2024-1-1", "24-01-01", "2024-01-01T25:00", "2024-01-01X",
            "2024-01-01T10:00:00.", "2024-01-01T10:00+99", "hello", "",
        ])
    func rejects(text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    @Test("format then parse is the identity to the microsecond")
    func roundTrip() {
        for seconds in [0.0, 1.000001, -12_345.678901, 1_700_000_000.123456, 4_102_444_800.999999] {
            let back = Timestamp.parse(Timestamp.format(Date(timeIntervalSince1970: seconds)))!
            #expect(abs(back.timeIntervalSince1970 - seconds) < 1e-6)
        }
    }
    @Test("a run of timestamps formats as each alone, across seconds, days, years and the layout's edges")
    func recent() {
        var recent = Timestamp.Recent()
        var seconds: [Double] = [
            1_700_000_000.000001, 1_700_000_000.5, 1_700_000_000.999999, 1_700_000_001, 1_700_000_000.25,
            1_704_067_199.999999, 1_704_067_200.000001, -0.5, -1.000001, 0, 253_402_300_799.999999,
            253_402_300_800, 253_402_300_800.5, 253_402_300_799.5, -62_167_219_200, -62_167_219_200.5,
        ]
        // Random microseconds over five seconds: runs within a second and steps between them.
        for _ in 0..<2_000 { seconds.append(1_700_000_000 + Double(Int.random(in: 0..<5_000_000)) / 1_000_000) }
        for s in seconds {
            let date = Date(timeIntervalSince1970: s)
            #expect(recent.withFormatted(date) { String(decoding: $0, as: UTF8.self) } == Timestamp.format(date), "\(s)")
        }
    }
}
