public import Foundation

/// Text encoding of timestamps shared by the drivers and the CSV loader: ISO 8601 in UTC
/// with microseconds, which sorts as text (SQLite stores it so) and which Postgres accepts.
///
/// Written by hand rather than with a `DateFormatter`: it is on the bulk-load path, and
/// the civil-date arithmetic is exact.
public enum Timestamp {
    /// `2024-03-01T12:30:05.123456Z`
    public static func format(_ date: Date) -> String {
        withFormatted(date) { String(decoding: $0, as: UTF8.self) }
    }

    /// Bytes of `format(_:)` for any year from 0 to 9999 (longer for the rare other years).
    public static let maximumFormattedLength = 27

    /// The text of `format(_:)` as bytes, without making a String: the drivers bind it
    /// straight from the stack (the request log formats one per request).
    public static func withFormatted<T>(_ date: Date, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        let (seconds, fraction) = secondsAndMicros(date)
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (y, m, d) = civil(fromDays: days)
        // Four-digit years fill a fixed layout; any other year (rare) is written out in full
        // (at least four digits, with its sign) in front of the same month-to-fraction text.
        guard (0...9999).contains(y) else {
            let magnitude = String(y.magnitude)
            var text = Array(
                ((y < 0 ? "-" : "") + String(repeating: "0", count: max(0, 4 - magnitude.count)) + magnitude).utf8)
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 27) { buffer in
                write(0, m, d, secondOfDay, fraction, into: buffer)
                text += buffer[4..<27]
            }
            return try text.withUnsafeBufferPointer(body)
        }
        return try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 27) { buffer in
            write(y, m, d, secondOfDay, fraction, into: buffer)
            return try body(UnsafeBufferPointer(buffer))
        }
    }

    /// The minute since 1970 (rounded down) of the text `date` is stored as: its seconds are
    /// rounded to the microsecond, so a time just before a minute is stored in the next.
    public static func minute(_ date: Date) -> Int64 {
        let (seconds, _) = secondsAndMicros(date)
        return seconds >= 0 ? seconds / 60 : (seconds + 1) / 60 - 1
    }

    /// Whole seconds since 1970 (rounded down) and the microseconds past them (0 ..< 10^6).
    private static func secondsAndMicros(_ date: Date) -> (Int64, Int64) {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        var seconds = micros / 1_000_000
        var fraction = micros % 1_000_000
        if fraction < 0 {
            fraction += 1_000_000
            seconds -= 1
        }
        return (seconds, fraction)
    }

    /// `withFormatted` for timestamps that mostly share their second with the one before (a
    /// batch of request-log rows): the text up to the second is kept from the last call and
    /// only the fraction is written again (the civil date's arithmetic was ~600 instructions
    /// a row).
    public struct Recent {
        private var second = Int64.min
        /// Empty until the first timestamp: a statement that binds none allocates nothing.
        private var text: [UInt8] = []

        public init() {}

        public mutating func withFormatted<T>(_ date: Date, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows
            -> T
        {
            var (seconds, fraction) = Timestamp.secondsAndMicros(date)
            guard seconds == second else {
                return try Timestamp.withFormatted(date) { full in
                    // Only the fixed layout (years 0 to 9999) is kept.
                    if full.count == Timestamp.maximumFormattedLength {
                        text = Array(full)
                        second = seconds
                    }
                    return try body(full)
                }
            }
            return try text.withUnsafeMutableBufferPointer { out in
                for i in stride(from: 25, through: 20, by: -1) {
                    out[i] = UInt8(truncatingIfNeeded: 48 + fraction % 10)
                    fraction /= 10
                }
                return try body(UnsafeBufferPointer(out))
            }
        }
    }

    /// YYYY-MM-DDTHH:MM:SS.ffffffZ into 27 bytes.
    private static func write(
        _ y: Int64, _ m: Int64, _ d: Int64, _ secondOfDay: Int64, _ fraction: Int64,
        into out: UnsafeMutableBufferPointer<UInt8>
    ) {
        func digits(_ value: Int64, _ width: Int, at offset: Int) {
            var v = value
            for i in stride(from: offset + width - 1, through: offset, by: -1) {
                out[i] = UInt8(truncatingIfNeeded: 48 + v % 10)
                v /= 10
            }
        }
        digits(y, 4, at: 0)
        out[4] = UInt8(ascii: "-")
        digits(m, 2, at: 5)
        out[7] = UInt8(ascii: "-")
        digits(d, 2, at: 8)
        out[10] = UInt8(ascii: "T")
        digits(secondOfDay / 3600, 2, at: 11)
        out[13] = UInt8(ascii: ":")
        digits(secondOfDay / 60 % 60, 2, at: 14)
        out[16] = UInt8(ascii: ":")
        digits(secondOfDay % 60, 2, at: 17)
        out[19] = UInt8(ascii: ".")
        digits(fraction, 6, at: 20)
        out[26] = UInt8(ascii: "Z")
    }

    /// Parses `YYYY-MM-DD`, or that followed by `T` or a space and `HH:MM[:SS[.fraction]]`,
    /// then optionally `Z`, `+HH`, `+HHMM` or `+HH:MM`. A time without a zone is UTC.
    public static func parse(_ text: String) -> Date? {
        var copy = text
        return copy.withUTF8 { parse(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// The same as `parse(_:)` over raw bytes, for the CSV loader.
    public static func parse(bytes: UnsafeRawBufferPointer) -> Date? {
        var i = 0
        let n = bytes.count
        func digits(_ count: Int) -> Int64? {
            guard i + count <= n else { return nil }
            var v: Int64 = 0
            for _ in 0..<count {
                let b = bytes[i]
                guard b >= 48 && b <= 57 else { return nil }
                v = v * 10 + Int64(b - 48)
                i += 1
            }
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < n, bytes[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(UInt8(ascii: "-")), let month = digits(2), expect(UInt8(ascii: "-")),
            let day = digits(2), (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year)
        else { return nil }
        var seconds = days(fromYear: year, month: month, day: day) * 86_400
        var micros: Int64 = 0
        if i < n {
            guard bytes[i] == UInt8(ascii: "T") || bytes[i] == UInt8(ascii: " ") else { return nil }
            i += 1
            guard let hour = digits(2), expect(UInt8(ascii: ":")), let minute = digits(2), hour < 24, minute < 60
            else { return nil }
            var second: Int64 = 0
            if expect(UInt8(ascii: ":")) {
                guard let s = digits(2), s < 61 else { return nil }
                second = s
                if expect(UInt8(ascii: ".")) {
                    var scale: Int64 = 100_000
                    var count = 0
                    while i < n, bytes[i] >= 48, bytes[i] <= 57 {
                        micros += Int64(bytes[i] - 48) * scale
                        scale /= 10
                        count += 1
                        i += 1
                    }
                    guard count > 0 else { return nil }
                }
            }
            seconds += hour * 3600 + minute * 60 + second
            if i < n {
                if expect(UInt8(ascii: "Z")) || expect(UInt8(ascii: "z")) {
                } else {
                    guard bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") else { return nil }
                    let sign: Int64 = bytes[i] == UInt8(ascii: "-") ? -1 : 1
                    i += 1
                    guard let oh = digits(2), oh <= 15 else { return nil }
                    var om: Int64 = 0
                    if i < n {
                        _ = expect(UInt8(ascii: ":"))
                        guard let m = digits(2), m < 60 else { return nil }
                        om = m
                    }
                    seconds -= sign * (oh * 3600 + om * 60)
                }
            }
        }
        guard i == n else { return nil }
        return Date(timeIntervalSince1970: Double(seconds) + Double(micros) / 1_000_000)
    }

    // Howard Hinnant's days_from_civil and civil_from_days, proleptic Gregorian.
    static func days(fromYear y0: Int64, month m: Int64, day d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
