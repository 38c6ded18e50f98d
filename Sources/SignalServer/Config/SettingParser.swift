import Foundation
import Logging
import RedisClient
import Signaling

/// How a ``ConfigurationSetting`` turns its text into a typed value, and its default back into text.
struct SettingParser<Value>: Sendable {
    /// How the flag takes its value: a switch for booleans, `--name <valueName>` otherwise.
    let form: ConfigurationSetting.Form
    /// The value, or why the text is not one.
    let parse: @Sendable (String) throws(InvalidSettingValue) -> Value
    /// The text that parses back to `value`, for the help and the README.
    let format: @Sendable (Value) -> String
}

extension SettingParser {
    /// A `--name <valueName>` parser over `make`, whose error description is the problem.
    static func reporting<Failure: Error & CustomStringConvertible>(
        valueName: String, _ make: @escaping @Sendable (String) throws(Failure) -> Value,
        format: @escaping @Sendable (Value) -> String
    ) -> Self {
        SettingParser(
            form: .value(valueName: valueName),
            parse: { (text: String) throws(InvalidSettingValue) -> Value in
                do throws(Failure) {
                    return try make(text)
                } catch {
                    throw InvalidSettingValue(problem: error.description)
                }
            },
            format: format)
    }
}

extension SettingParser where Value == Bool {
    /// `true`, `1`, `yes`, `on` or `false`, `0`, `no`, `off`, empty (any case).
    static let boolean = SettingParser(
        form: .toggle,
        parse: { (text: String) throws(InvalidSettingValue) -> Bool in
            switch text.lowercased() {
            case "true", "1", "yes", "on": return true
            case "false", "0", "no", "off", "": return false
            default: throw InvalidSettingValue(problem: "must be true or false")
            }
        },
        format: { $0 ? "true" : "false" })
}

extension SettingParser where Value == Int {
    /// A whole number in `range`.
    static func integer(in range: ClosedRange<Int>, valueName: String = "n") -> Self {
        SettingParser(
            form: .value(valueName: valueName),
            parse: { (text: String) throws(InvalidSettingValue) -> Int in
                guard let number = Int(text), range.contains(number) else {
                    throw InvalidSettingValue(problem: "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
                }
                return number
            },
            format: { String($0) })
    }
}

extension SettingParser where Value == String {
    /// Any text but the empty one.
    static func text(valueName: String = "text") -> Self {
        SettingParser(
            form: .value(valueName: valueName),
            parse: { (text: String) throws(InvalidSettingValue) -> String in
                guard !text.isEmpty else { throw InvalidSettingValue(problem: "must not be empty") }
                return text
            },
            format: { $0 })
    }
}

extension SettingParser where Value == TimeToLive {
    /// A TTL string (`30s`, `10m`, `1y`; SPEC § Room tokens).
    static let timeToLive = timeToLive(maximum: nil)

    /// A TTL string of at most `maximum`.
    static func timeToLive(maximum: TimeToLive?) -> Self {
        reporting(
            valueName: "duration", { (text: String) throws(TimeToLiveError) in try TimeToLive(parsing: text, maximum: maximum) },
            format: { timeToLive in
                // The largest unit that divides the length: 31557600 s reads `1y`.
                let units = [("y", 31_557_600), ("w", 604_800), ("d", 86_400), ("h", 3_600), ("m", 60)]
                let (name, seconds) = units.first { timeToLive.seconds.isMultiple(of: $0.1) } ?? ("s", 1)
                return "\(timeToLive.seconds / seconds)\(name)"
            })
    }
}

extension SettingParser where Value == RedisEndpoint {
    /// A `redis://` URL.
    static let redisEndpoint = reporting(
        valueName: "url", { (text: String) throws(RedisEndpoint.InvalidURL) in try RedisEndpoint(url: text) }, format: \.description)
}

extension SettingParser where Value == String {
    /// An instance id: 1 to 64 ASCII letters, digits, `.`, `_` or `-` (it names Redis keys and channels).
    static let instanceID = SettingParser(
        form: .value(valueName: "id"),
        parse: { (text: String) throws(InvalidSettingValue) -> String in
            let allowed = text.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            }
            guard (1...64).contains(text.utf8.count), allowed else {
                throw InvalidSettingValue(problem: "must be 1 to 64 letters, digits, '.', '_' or '-'")
            }
            return text
        },
        format: { $0 })
}

extension SettingParser where Value == [TurnServerURL] {
    /// A comma-separated list of `stun:`, `turn:` and `turns:` URLs, at least one.
    static let turnURLs = reporting(
        valueName: "urls",
        { (text: String) throws(TurnServerURLError) -> [TurnServerURL] in
            var urls: [TurnServerURL] = []
            for part in text.split(separator: ",", omittingEmptySubsequences: false) {
                urls.append(try TurnServerURL(part.trimmingCharacters(in: .whitespaces)))
            }
            return urls
        },
        format: { $0.map(\.description).joined(separator: ",") })
}

extension SettingParser where Value: RawRepresentable<String> & SendableMetatype {
    /// One of `Value`'s raw values, any case; `problem` lists them.
    static func named(valueName: String, problem: String) -> Self {
        SettingParser(
            form: .value(valueName: valueName),
            parse: { (text: String) throws(InvalidSettingValue) -> Value in
                guard let value = Value(rawValue: text.lowercased()) else { throw InvalidSettingValue(problem: problem) }
                return value
            },
            format: { $0.rawValue })
    }
}

extension SettingParser where Value == Logger.Level {
    /// A swift-log level name, any case.
    static let logLevel = named(valueName: "level", problem: "must be one of trace, debug, info, notice, warning, error, critical")
}

extension SettingParser where Value == LogFormat {
    /// `text` or `json`, any case.
    static let logFormat = named(valueName: "format", problem: "must be text or json")
}

extension SettingParser where Value == Duration {
    /// `0s`, or a TTL string of at most ``SignalConfiguration/maximumDrainTimeout``.
    static let drainTimeout = SettingParser(
        form: .value(valueName: "duration"),
        parse: { (text: String) throws(InvalidSettingValue) -> Duration in
            if ["0", "0s"].contains(text.trimmingCharacters(in: .whitespaces)) { return .zero }
            do throws(TimeToLiveError) {
                return .seconds(try TimeToLive(parsing: text, maximum: SignalConfiguration.maximumDrainTimeout).seconds)
            } catch {
                throw InvalidSettingValue(problem: error.description)
            }
        },
        format: { "\($0.components.seconds)s" })
}

extension SettingParser where Value == [ConsumerAlgorithm] {
    /// A comma-separated list of consumer-token algorithms.
    static let consumerAlgorithms = reporting(
        valueName: "list", { (text: String) throws(ConsumerAlgorithmError) in try ConsumerAlgorithm.list(parsing: text) },
        format: { $0.map(\.rawValue).joined(separator: ",") })
}

extension SettingParser where Value == ConsumerKeySet {
    /// Base64 (or raw JSON) of a JWK, a JWK array or a JWKS.
    static let consumerKeys = reporting(
        valueName: "jwks", { (text: String) throws(ConsumerKeyError) in try ConsumerKeySet(configurationValue: text) },
        // Never shown: the default is unset.
        format: { _ in "set" })
}

extension SettingParser where Value == Rate {
    /// `<count>/<period>`: `300/10s`, `10/1m`, `100/s`.
    static let rate = reporting(
        valueName: "rate", { (text: String) throws(RateError) in try Rate(parsing: text) }, format: { $0.description })
}

extension SettingParser where Value == [AddressRange] {
    /// A comma-separated list of IP addresses and CIDR blocks, at least one.
    static let addressRanges = SettingParser(
        form: .value(valueName: "addresses"),
        parse: { (text: String) throws(InvalidSettingValue) -> [AddressRange] in
            var ranges: [AddressRange] = []
            for part in text.split(separator: ",", omittingEmptySubsequences: false) {
                guard let range = AddressRange(part) else {
                    throw InvalidSettingValue(problem: "must be comma-separated IP addresses or CIDR blocks such as 10.0.0.0/8")
                }
                ranges.append(range)
            }
            return ranges
        },
        format: { $0.map(\.description).joined(separator: ",") })
}

extension SettingParser where Value == [String] {
    /// A comma-separated list of origins, `scheme://host[:port]` each, at least one.
    static let origins = SettingParser(
        form: .value(valueName: "origins"),
        parse: { (text: String) throws(InvalidSettingValue) -> [String] in
            let origins = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            for origin in origins {
                guard let scheme = origin.range(of: "://"), !origin[scheme.upperBound...].isEmpty, !origin.hasSuffix("/") else {
                    throw InvalidSettingValue(problem: "must be comma-separated origins such as https://app.example.com (no path)")
                }
            }
            return origins
        },
        format: { $0.joined(separator: ",") })
}
