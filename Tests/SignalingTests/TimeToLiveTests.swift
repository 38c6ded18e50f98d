import Signaling
import Testing

@Suite struct TimeToLiveTests {
    static let minute = 60, hour = 3_600, day = 86_400, week = 604_800, year = 31_557_600

    /// Every unit spelling SPEC § Room tokens lists, with its length in seconds.
    static let units: [(spelling: String, seconds: Int)] =
        ["s", "sec", "secs", "second", "seconds"].map { ($0, 1) }
        + ["m", "min", "mins", "minute", "minutes"].map { ($0, minute) }
        + ["h", "hr", "hrs", "hour", "hours"].map { ($0, hour) }
        + ["d", "day", "days"].map { ($0, day) }
        + ["w", "week", "weeks"].map { ($0, week) }
        + ["y", "yr", "yrs", "year", "years"].map { ($0, year) }

    /// `"minutes"` → `"MiNuTeS"`; `"s"` → `"S"`.
    static func mixedCase(_ text: String) -> String {
        String(text.enumerated().map { $0.offset.isMultiple(of: 2) ? Character($0.element.uppercased()) : $0.element })
    }

    @Test(arguments: units.map(\.spelling))
    func acceptsEveryFormOfEveryUnit(_ spelling: String) throws {
        let unitSeconds = try #require(Self.units.first { $0.spelling == spelling }).seconds
        for unit in [spelling, spelling.uppercased(), Self.mixedCase(spelling)] {
            let forms = [
                "2\(unit)", "2 \(unit)", "+2\(unit)", "+2 \(unit)", "+ 2\(unit)", "+ 2 \(unit)",
                "2\(unit) from now", "+2 \(unit) from now", "+ 2 \(unit) from now",
            ]
            for form in forms {
                let parsed = try TimeToLive(parsing: form)
                #expect(parsed.seconds == 2 * unitSeconds, "\(form)")
            }
        }
    }

    @Test(arguments: [
        ("1s", 1), ("24h", 86_400), ("1.5h", 5_400), (".5d", 43_200), ("0.5d", 43_200), ("1y", 31_557_600),
        (".25y", 7_889_400), ("1.0001s", 1), ("1.6s", 2), ("0.9s", 1), ("90m", 5_400), ("7 days", 604_800),
        ("2 weeks from now", 1_209_600), ("+30 min", 1_800), ("+ 2h", 7_200), ("+ .5d", 43_200), ("10 SECONDS FROM NOW", 10), ("007s", 7),
        ("1000y", 31_557_600_000),
    ])
    func parses(_ text: String, _ seconds: Int) throws {
        #expect(try TimeToLive(parsing: text).seconds == seconds)
    }

    @Test(arguments: [
        ("-1h", TimeToLiveError.negative), ("-1 h", .negative), ("- 2h", .negative), ("- 2 hours", .negative), ("-0.5d from now", .negative),
        ("1h ago", .past), ("1 hour ago", .past), ("+1h ago", .past), ("1H AGO", .past),
        ("0s", .zero), ("0.1s", .zero), ("0.4s", .zero), ("0y", .zero), (".0h", .zero),
        ("", .malformed), ("h", .malformed), ("1", .malformed), ("1x", .malformed), ("1.h", .malformed),
        ("1..5h", .malformed), ("1.5.5h", .malformed), ("1 h ", .malformed), (" 1h", .malformed), ("1  h", .malformed),
        ("one hour", .malformed), ("1h1m", .malformed), ("1ms", .malformed), ("1 hours from now ", .malformed),
        ("1h from", .malformed), ("from now", .malformed), ("+", .malformed), ("++1h", .malformed), ("+ ", .malformed), ("+  2h", .malformed), (" +2h", .malformed),
        ("+ +2h", .malformed), ("+\t2h", .malformed),
        ("1e3s", .malformed), ("1,5h", .malformed), ("1_000s", .malformed), ("１h", .malformed), ("1\th", .malformed),
        ("1h\n", .malformed), ("[\"1h\"]", .malformed), ("1 hourss", .malformed),
    ])
    func refuses(_ text: String, _ error: TimeToLiveError) {
        #expect(throws: error) { try TimeToLive(parsing: text) }
    }

    @Test func acceptsUpToTheMaximum() throws {
        let maximum = TimeToLive(seconds: Self.year)
        #expect(try TimeToLive(parsing: "1y", maximum: maximum).seconds == Self.year)
        #expect(try TimeToLive(parsing: "365d", maximum: maximum).seconds == 365 * Self.day)
        #expect(try TimeToLive(parsing: "31557600s", maximum: maximum).seconds == Self.year)
    }

    @Test(arguments: ["31557601s", "366d", "1.01y", "2y", "53w"])
    func refusesOverTheMaximum(_ text: String) {
        let maximum = TimeToLive(seconds: Self.year)
        #expect(throws: TimeToLiveError.exceedsMaximum(maximum)) { try TimeToLive(parsing: text, maximum: maximum) }
    }

    @Test(arguments: ["10000y", "99999999999999999999999999h", String(repeating: "9", count: 400) + "s"])
    func refusesAbsurdLengthsWithoutAMaximum(_ text: String) {
        #expect(throws: TimeToLiveError.exceedsMaximum(nil)) { try TimeToLive(parsing: text) }
    }

    @Test func describesItselfInSeconds() {
        #expect(TimeToLive(seconds: 3_600).description == "3600s")
        #expect(TimeToLive(seconds: 1).seconds == 1)
    }

    @Test func errorsDescribeTheProblem() {
        #expect(TimeToLiveError.exceedsMaximum(TimeToLive(seconds: 60)).description.contains("60"))
        let descriptions = [TimeToLiveError.malformed, .negative, .zero, .exceedsMaximum(nil)].map(\.description)
        #expect(Set(descriptions).count == descriptions.count)
    }
}
