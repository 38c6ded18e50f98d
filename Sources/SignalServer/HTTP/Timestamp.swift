import Foundation
import NIOConcurrencyHelpers

/// UTC timestamps written by hand: `POST /token`, `/health` and every JSON log line need one,
/// and Foundation's formatters go through a calendar for each (about 2 µs a call here).
enum Timestamp {
    /// ISO 8601 with milliseconds, as JavaScript's `Date.toISOString()` writes it:
    /// `2026-11-30T22:14:03.127Z` (milliseconds truncated, years 0000–9999).
    static func iso8601(_ date: Date) -> String {
        let (day, time) = dayAndMillisecond(of: date)
        let (year, month, dayOfMonth) = civilDate(daysSinceEpoch: day)
        let fields: [(value: Int64, width: Int, separator: UInt8?)] = [
            (year, 4, UInt8(ascii: "-")), (month, 2, UInt8(ascii: "-")), (dayOfMonth, 2, UInt8(ascii: "T")),
            (time / 3_600_000, 2, UInt8(ascii: ":")), (time / 60_000 % 60, 2, UInt8(ascii: ":")),
            (time / 1000 % 60, 2, UInt8(ascii: ".")), (time % 1000, 3, UInt8(ascii: "Z")),
        ]
        return String(unsafeUninitializedCapacity: 24) { text in
            var index = 0
            for field in fields {
                var value = field.value
                for position in stride(from: index + field.width - 1, through: index, by: -1) {
                    text[position] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
                index += field.width
                if let separator = field.separator {
                    text[index] = separator
                    index += 1
                }
            }
            return index
        }
    }

    /// The HTTP `Date` form (RFC 9110 IMF-fixdate): `Mon, 30 Nov 2026 22:14:03 GMT`.
    static func httpDate(_ date: Date) -> String {
        let (day, time) = dayAndMillisecond(of: date)
        let (year, month, dayOfMonth) = civilDate(daysSinceEpoch: day)
        let weekday = weekdays[Int((day % 7 + 11) % 7)]  // 1970-01-01 was a Thursday
        func twoDigits(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(weekday), \(twoDigits(dayOfMonth)) \(months[Int(month) - 1]) \(year) "
            + "\(twoDigits(time / 3_600_000)):\(twoDigits(time / 60_000 % 60)):\(twoDigits(time / 1000 % 60)) GMT"
    }

    /// ``httpDate(_:)`` of now, formatted once a second and shared: every response carries it.
    static func currentHTTPDate() -> String {
        let now = Date()
        let second = Int64(now.timeIntervalSince1970.rounded(.down))
        return currentHTTPDateCache.withLockedValue { cache in
            if cache.second != second { cache = (second, httpDate(now)) }
            return cache.text
        }
    }

    private static let currentHTTPDateCache = NIOLockedValueBox((second: Int64.min, text: ""))

    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Days since 1970-01-01 and the millisecond of that day. The time is taken to the nearest
    /// microsecond first: a `Date` holds binary fractions, and 0.086 s must not come out as .085.
    private static func dayAndMillisecond(of date: Date) -> (day: Int64, millisecond: Int64) {
        let microseconds = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let milliseconds = microseconds >= 0 ? microseconds / 1000 : (microseconds - 999) / 1000
        let (days, millisecondOfDay) = milliseconds.quotientAndRemainder(dividingBy: 86_400_000)
        return millisecondOfDay < 0 ? (days - 1, millisecondOfDay + 86_400_000) : (days, millisecondOfDay)
    }

    /// The proleptic Gregorian (year, month, day) of a day count from 1970-01-01 (Howard
    /// Hinnant's `civil_from_days`).
    private static func civilDate(daysSinceEpoch: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = daysSinceEpoch + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
