import Foundation

/// Talkdesk's timestamps: UTC, milliseconds, `2026-01-01T08:00:00.000Z` (exactly 24 characters).
public enum Timestamp {
    private static let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let withoutFraction = Date.ISO8601FormatStyle()

    /// Formats a date as `YYYY-MM-DDTHH:MM:SS.mmmZ`, to the nearest millisecond.
    ///
    /// Foundation's formatter truncates, and a time of whole milliseconds is often a hair below its
    /// value as a Double (…\.12299999): half a millisecond more makes truncation round to the nearest.
    public static func string(from date: Date) -> String {
        withFraction.format(date.addingTimeInterval(0.0005))
    }

    /// Milliseconds since 1970, to the nearest: how the store keeps times.
    public static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    /// Parses an ISO 8601 timestamp with or without fractional seconds; nil when it is not one.
    public static func date(from string: String) -> Date? {
        if let date = try? withFraction.parse(string) { return date }
        return try? withoutFraction.parse(string)
    }

    /// The current time truncated to whole milliseconds, so that what is stored and what is shown agree.
    public static func now() -> Date {
        Date(timeIntervalSince1970: Double(milliseconds(Date())) / 1000)
    }
}
