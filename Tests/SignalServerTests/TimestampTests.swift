import Foundation
import Testing

@testable import SignalServer

/// `Timestamp.iso8601` writes the date and time Foundation's ISO-8601 style writes, and the
/// exact milliseconds (as JavaScript's `toISOString()` does; Foundation truncates the inexact
/// binary fraction, so `.086` can come out `.085`).
@Suite struct TimestampTests {
    private static let foundation = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)

    @Test(arguments: [
        0, 1, 999, 86_399_999, 86_400_000, -1, -86_400_001,
        951_782_400_000,  // 2000-02-29
        1_709_164_800_123,  // 2024-02-29
        4_107_542_399_999,  // 2100-02-28T23:59:59.999
        1_798_761_599_500,  // 2026-12-31T23:59:59.500
        253_402_300_799_999,  // 9999-12-31T23:59:59.999
        -11_676_096_000_000,  // 1600-01-01
    ] as [Int64])
    func matchesFoundation(milliseconds: Int64) {
        #expect(Timestamp.iso8601(Self.date(milliseconds)) == Self.expected(milliseconds))
    }

    @Test func matchesFoundationOverTwoCenturiesOfDays() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let milliseconds = Int64.random(in: -2_208_988_800_000...4_102_444_800_000, using: &generator)
            #expect(Timestamp.iso8601(Self.date(milliseconds)) == Self.expected(milliseconds), "\(milliseconds)")
        }
    }

    private static func date(_ milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// Foundation's date and time to the second, then the milliseconds by integer arithmetic.
    private static func expected(_ milliseconds: Int64) -> String {
        let (seconds, fraction) = milliseconds.quotientAndRemainder(dividingBy: 1000)
        let wholeSecond = fraction < 0 ? seconds - 1 : seconds
        let formatted = Date(timeIntervalSince1970: Double(wholeSecond)).formatted(foundation)
        let millisecond = (fraction + 1000) % 1000
        return formatted.prefix(20) + String(millisecond + 1000).dropFirst() + "Z"
    }

    @Test func httpDateMatchesFoundationsIMFFixdate() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let date = Self.date(Int64.random(in: -2_208_988_800_000...4_102_444_800_000, using: &generator))
            #expect(Timestamp.httpDate(date) == formatter.string(from: date))
        }
        #expect(Timestamp.httpDate(Self.date(0)) == "Thu, 01 Jan 1970 00:00:00 GMT")
    }

    /// The shared `Date` header text follows the clock: it is one of the seconds around the call,
    /// never a stale one, however many calls share it.
    @Test func currentHTTPDateIsTheCurrentSecond() {
        for _ in 0..<1_000 {
            let before = Date()
            let current = Timestamp.currentHTTPDate()
            let after = Date()
            #expect([Timestamp.httpDate(before), Timestamp.httpDate(after)].contains(current))
        }
    }

    /// Before 1582 Foundation switches to the Julian calendar; JavaScript stays Gregorian.
    @Test func staysGregorianBefore1582LikeJavaScript() {
        #expect(Timestamp.iso8601(Self.date(-62_135_596_800_000)) == "0001-01-01T00:00:00.000Z")
    }

    @Test func truncatesToTheMillisecondLikeJavaScript() {
        #expect(Timestamp.iso8601(Date(timeIntervalSince1970: 1.9996)) == "1970-01-01T00:00:01.999Z")
        #expect(Timestamp.iso8601(Date(timeIntervalSince1970: -0.0004)) == "1969-12-31T23:59:59.999Z")
    }
}
