/// Why ``SettingArguments`` refused the arguments. The description names the flag, never a
/// value (which may be a secret).
public enum SettingArgumentError: Error, Equatable, CustomStringConvertible {
    /// No setting has this flag.
    case unknownFlag(String)
    /// The flag takes a value and is the last argument.
    case missingValue(flag: String)
    /// `--no-name=value`.
    case valueForNegatedFlag(flag: String)
    /// A value that follows no flag.
    case strayValue

    /// One line for the command line.
    public var description: String {
        switch self {
        case .unknownFlag(let flag): return "unknown option \(flag)"
        case .missingValue(let flag): return "missing value for \(flag)"
        case .valueForNegatedFlag(let flag): return "\(flag) takes no value"
        case .strayValue: return "unexpected argument: a value without a flag before it"
        }
    }
}
