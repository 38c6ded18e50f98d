extension String {
    /// The longest client-supplied value a log line shows; longer ones are cut, with their size.
    static let logValueLimit = 256

    /// This client-supplied value made safe for a log line: control characters, quotes and
    /// backslashes escaped (so a value can neither forge a line nor break a JSON log), and cut
    /// at ``logValueLimit`` characters.
    var escapedForLog: String {
        var escaped = ""
        escaped.reserveCapacity(Swift.min(utf8.count, Self.logValueLimit) + 2)
        var count = 0
        for scalar in unicodeScalars {
            if count == Self.logValueLimit {
                escaped += "…(\(utf8.count) bytes)"
                break
            }
            count += 1
            switch scalar {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            case "\t": escaped += "\\t"
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{2028}" || scalar == "\u{2029}":
                escaped += "\\u{\(String(scalar.value, radix: 16))}"
            default:
                escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }
}
