import Foundation

/// How often something may happen: up to ``count`` times at once, and ``count`` times per
/// ``period`` from then on, written `<count>/<period>` (`300/10s`, `10/1m`, `100/s`).
///
/// The one number is both the burst and the sustained rate, so the period chooses between
/// them: `300/10s` lets 300 through at once and 30 a second after that, `30/1s` lets only 30
/// through at once. A ``TokenBucket`` enforces it.
public struct Rate: Sendable, Equatable, CustomStringConvertible {
    /// The most taken at once (the bucket's capacity), and how many come back per ``period``.
    public let count: Int
    /// The time in which ``count`` tokens come back, at least one second.
    public let period: TimeToLive

    /// The largest ``count``: one token per nanosecond for a one-second period.
    public static let maximumCount = 1_000_000_000

    /// `count` per `period`; `count` is 1 to ``maximumCount``.
    public init(_ count: Int, per period: TimeToLive) {
        precondition((1...Self.maximumCount).contains(count), "a rate counts 1 to \(Self.maximumCount)")
        self.count = count
        self.period = period
    }

    /// Parses `<count>/<period>`, the period a TTL string (`10s`, `1m`) or a bare unit (`s`, `m`).
    public init(parsing text: String) throws(RateError) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let count = Int(parts[0].trimmingCharacters(in: .whitespaces)),
            (1...Self.maximumCount).contains(count)
        else { throw .malformed }
        var period = parts[1].trimmingCharacters(in: .whitespaces)
        if let first = period.first, first.isLetter { period = "1" + period }
        guard let parsedPeriod = try? TimeToLive(parsing: period) else { throw .malformed }
        self.init(count, per: parsedPeriod)
    }

    /// Nanoseconds for one token to come back.
    public var nanosecondsPerToken: Int64 { max(1, Int64(period.seconds) * 1_000_000_000 / Int64(count)) }

    /// `"<count>/<period>"` with the period in its largest whole unit (`10/1m`), which parses
    /// back to the same rate.
    public var description: String {
        let seconds = period.seconds
        let (length, unit) = seconds.isMultiple(of: 3_600) ? (seconds / 3_600, "h") : seconds.isMultiple(of: 60) ? (seconds / 60, "m") : (seconds, "s")
        return "\(count)/\(length)\(unit)"
    }
}

/// Why a rate could not be parsed.
public enum RateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not `<count>/<period>` with a count of 1 to ``Rate/maximumCount`` and a period of at least one second.
    case malformed

    /// What is wrong, for a configuration error.
    public var description: String {
        "must be <count>/<period> such as 300/10s or 10/1m: a count from 1 to \(Rate.maximumCount) and a period of at least 1s"
    }
}
