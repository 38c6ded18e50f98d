/// A token lifetime written the way the JS server's JWT library reads it: `24h`, `1.5 days`,
/// `.5y`, `+30 min`, `+ 2h`, `2 weeks from now`.
///
/// Grammar: an optional `+` and an optional space after it, a number (`1`, `1.5`, `.5`), an optional space, a unit in any
/// case, an optional ` from now`. Units: `s sec secs second seconds`, `m min mins minute
/// minutes`, `h hr hrs hour hours`, `d day days`, `w week weeks`, `y yr yrs year years`
/// (a year is 365.25 days). The result is rounded to whole seconds. Past forms (`-1h`,
/// `1h ago`), zero, and anything over the maximum are refused.
public struct TimeToLive: Sendable, Equatable, CustomStringConvertible {
    /// Whole seconds, at least 1.
    public let seconds: Int

    /// Wraps a number of seconds (at least 1).
    public init(seconds: Int) {
        precondition(seconds > 0, "a time to live is at least one second")
        self.seconds = seconds
    }

    /// Parses `text`, refusing results over `maximum` when one is given.
    public init(parsing text: String, maximum: TimeToLive? = nil) throws(TimeToLiveError) {
        let seconds = try Self.seconds(in: text)
        if let maximum, seconds > Double(maximum.seconds) {
            throw .exceedsMaximum(maximum)
        }
        self.seconds = Int(seconds)
    }

    /// `"<n>s"`.
    public var description: String { "\(seconds)s" }

    private static let unitSeconds: [String: Double] = {
        let minute = 60.0, hour = 3_600.0, day = 86_400.0
        var table: [String: Double] = [:]
        for name in ["s", "sec", "secs", "second", "seconds"] { table[name] = 1 }
        for name in ["m", "min", "mins", "minute", "minutes"] { table[name] = minute }
        for name in ["h", "hr", "hrs", "hour", "hours"] { table[name] = hour }
        for name in ["d", "day", "days"] { table[name] = day }
        for name in ["w", "week", "weeks"] { table[name] = 7 * day }
        for name in ["y", "yr", "yrs", "year", "years"] { table[name] = 365.25 * day }
        return table
    }()

    private static func seconds(in text: String) throws(TimeToLiveError) -> Double {
        // ASCII case folding: every unit is ASCII, and no other character folds to one
        // (Unicode `lowercased()` cost a `POST /token` about 1 µs).
        let isUppercase = { (byte: UInt8) in (65...90).contains(byte) }
        var rest = Substring(
            text.utf8.contains(where: isUppercase)
                ? String(decoding: text.utf8.map { isUppercase($0) ? $0 | 0x20 : $0 }, as: UTF8.self) : text)
        if rest.hasSuffix(" ago") { throw .past }
        if rest.hasSuffix(" from now") { rest = rest.dropLast(" from now".count) }
        if rest.hasPrefix("-") { throw .negative }
        if rest.hasPrefix("+") {
            rest = rest.dropFirst()
            if rest.hasPrefix(" ") { rest = rest.dropFirst() }
        }

        let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        rest = rest.dropFirst(number.count)
        if rest.hasPrefix(" ") { rest = rest.dropFirst() }

        // `\d+` or `\d*\.\d+`: at most one dot, at least one digit after it.
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        let wellFormed =
            (parts.count == 1 && !parts[0].isEmpty) || (parts.count == 2 && !parts[1].isEmpty)
        // Whole numbers, the usual case, skip the floating-point parser.
        guard wellFormed, let value = Int(number).map(Double.init) ?? Double(number.hasPrefix(".") ? "0" + number : String(number)) else {
            throw .malformed
        }
        guard let unit = unitSeconds[String(rest)] else { throw .malformed }
        let seconds = (value * unit).rounded()
        guard seconds >= 1 else { throw .zero }
        guard seconds < Double(Int32.max) * 64 else { throw .exceedsMaximum(nil) }
        return seconds
    }
}

/// Why a time-to-live string was refused.
public enum TimeToLiveError: Error, Equatable, CustomStringConvertible {
    /// Not a number followed by a known unit.
    case malformed
    /// A `-` sign: the token would already be expired.
    case negative
    /// An `ago` suffix: the token would already be expired.
    case past
    /// Rounds to zero seconds.
    case zero
    /// Longer than the configured maximum (or than any sensible lifetime when `nil`).
    case exceedsMaximum(TimeToLive?)

    /// A sentence for an HTTP 400 or a start-up error.
    public var description: String {
        switch self {
        case .malformed:
            return "must be a number and a unit, such as \"30m\", \"24h\" or \"7 days\""
        case .negative, .past:
            return "must be a lifetime in the future, not a negative or past one"
        case .zero:
            return "must be at least one second"
        case .exceedsMaximum(let maximum?):
            return "must not exceed the maximum of \(maximum.seconds) seconds"
        case .exceedsMaximum(nil):
            return "is too long"
        }
    }
}
