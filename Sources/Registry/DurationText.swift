public import Foundation

/// Durations as people write them in flags and query strings: `45s`, `30m`, `24h`, `7d`.
public enum DurationText {
    /// Seconds, or nil for anything else (a number without its unit, zero, negative, over a year).
    public static func seconds(_ text: String) -> TimeInterval? {
        guard let unit = text.last, let amount = Double(text.dropLast()), amount > 0, amount.isFinite else {
            return nil
        }
        let seconds: Double
        switch unit {
        case "s": seconds = amount
        case "m": seconds = amount * 60
        case "h": seconds = amount * 3600
        case "d": seconds = amount * 86400
        default: return nil
        }
        return seconds <= 366 * 86400 ? seconds : nil
    }
}
