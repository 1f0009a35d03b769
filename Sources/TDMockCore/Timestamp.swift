public import Foundation

/// Talkdesk's timestamps: UTC, milliseconds, `2026-01-01T08:00:00.000Z` (exactly 24 characters).
public enum Timestamp {
    private static let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let withoutFraction = Date.ISO8601FormatStyle()

    /// Formats a date as `YYYY-MM-DDTHH:MM:SS.mmmZ`, to the nearest millisecond.
    ///
    /// Done by hand from the integer milliseconds: it is on every response's path, and Foundation's
    /// formatter both costs more and truncates (a whole millisecond is often a hair below it as a Double).
    public static func string(from date: Date) -> String {
        String(unsafeUninitializedCapacity: 24) { buffer in write(milliseconds: milliseconds(date), to: buffer.baseAddress!) }
    }

    /// Writes the 24 bytes of `YYYY-MM-DDTHH:MM:SS.mmmZ` for milliseconds since 1970 at `out` (which
    /// must have room for them) and returns 24: the form used where JSON is written straight from
    /// stored rows.
    @discardableResult
    public static func write(milliseconds total: Int64, to out: UnsafeMutablePointer<UInt8>) -> Int {
        let (day, millisecondOfDay) = split(milliseconds: total)
        writeDate(day: day, to: out)
        writeTime(millisecondOfDay: millisecondOfDay, to: out + 10)
        return 24
    }

    /// Milliseconds since 1970 as days since 1970 and milliseconds into that day (UTC).
    @inline(__always)
    public static func split(milliseconds total: Int64) -> (day: Int64, millisecondOfDay: Int) {
        let perDay: Int64 = 86_400_000
        let millisecondOfDay = ((total % perDay) + perDay) % perDay
        return ((total - millisecondOfDay) / perDay, Int(millisecondOfDay))
    }

    /// The 10 bytes of `YYYY-MM-DD` for a day since 1970.
    public static func writeDate(day: Int64, to out: UnsafeMutablePointer<UInt8>) {
        let (year, month, dayOfMonth) = civilDate(daysSinceEpoch: day)
        digits(year, out, 4)
        out[4] = 45
        digits(month, out + 5, 2)
        out[7] = 45
        digits(dayOfMonth, out + 8, 2)
    }

    /// The 14 bytes of `THH:MM:SS.mmmZ` for a time of day.
    @inline(__always)
    public static func writeTime(millisecondOfDay: Int, to out: UnsafeMutablePointer<UInt8>) {
        let secondOfDay = millisecondOfDay / 1000
        out[0] = 84
        digits(secondOfDay / 3600, out + 1, 2)
        out[3] = 58
        digits(secondOfDay % 3600 / 60, out + 4, 2)
        out[6] = 58
        digits(secondOfDay % 60, out + 7, 2)
        out[9] = 46
        digits(millisecondOfDay % 1000, out + 10, 3)
        out[13] = 90
    }

    @inline(__always)
    private static func digits(_ value: Int, _ out: UnsafeMutablePointer<UInt8>, _ width: Int) {
        var rest = value
        for offset in stride(from: width - 1, through: 0, by: -1) {
            out[offset] = UInt8(48 + rest % 10)
            rest /= 10
        }
    }

    /// Days since 1970-01-01 to a (year, month, day) of the proleptic Gregorian calendar (H. Hinnant's algorithm).
    static func civilDate(daysSinceEpoch: Int64) -> (Int, Int, Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (Int(yearOfEra + era * 400 + (month <= 2 ? 1 : 0)), Int(month), Int(day))
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
