/// Why a `CONSUMER_ALGORITHMS` list was refused.
public enum ConsumerAlgorithmError: Error, Equatable, CustomStringConvertible {
    /// The list names no algorithm.
    case empty
    /// `none` or an HMAC algorithm (`HS256`, …): never accepted for consumer tokens.
    case neverAccepted(String)
    /// A name that is not one of ``ConsumerAlgorithm``.
    case unsupported(String)

    /// A sentence fragment that follows the variable's name.
    public var description: String {
        let supported = ConsumerAlgorithm.allCases.map(\.rawValue).joined(separator: ", ")
        switch self {
        case .empty:
            return "must name at least one of \(supported)"
        case .neverAccepted(let name):
            return "\"\(name)\" is never accepted for consumer tokens (no \"none\", no HMAC); use \(supported)"
        case .unsupported(let name):
            return "\"\(name)\" is not supported; use \(supported)"
        }
    }
}
