/// A JWS `alg` accepted for consumer tokens (`CONSUMER_ALGORITHMS`).
///
/// Only asymmetric algorithms exist here: `none` and the HMAC family can never be configured,
/// so a public key can never be used as a shared secret.
public enum ConsumerAlgorithm: String, Sendable, CaseIterable {
    /// ECDSA over P-256 with SHA-256; the signature is the raw `r‖s` (RFC 7518 § 3.4).
    case es256 = "ES256"
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 § 3.3).
    case rs256 = "RS256"
    /// RSASSA-PSS with SHA-256, MGF1 with SHA-256 and a 32-byte salt (RFC 7518 § 3.5).
    case ps256 = "PS256"

    /// `ES256,RS256`: the default of `CONSUMER_ALGORITHMS`.
    public static let defaults: [ConsumerAlgorithm] = [.es256, .rs256]

    /// The key type that verifies this algorithm.
    public var keyType: ConsumerKey.KeyType {
        switch self {
        case .es256: return .ec
        case .rs256, .ps256: return .rsa
        }
    }

    /// Parses a comma-separated list such as `ES256,RS256` (spaces around names allowed).
    public static func list(parsing text: String) throws(ConsumerAlgorithmError) -> [ConsumerAlgorithm] {
        var algorithms: [ConsumerAlgorithm] = []
        for name in text.split(separator: ",").map({ $0.trimmingASCIIWhitespace() }) where !name.isEmpty {
            if isNeverAccepted(name) { throw .neverAccepted(name) }
            guard let algorithm = ConsumerAlgorithm(rawValue: name) else { throw .unsupported(name) }
            if !algorithms.contains(algorithm) { algorithms.append(algorithm) }
        }
        guard !algorithms.isEmpty else { throw .empty }
        return algorithms
    }

    /// Whether `name` is `none` or an HMAC algorithm, which no configuration may enable.
    static func isNeverAccepted(_ name: String) -> Bool {
        name.lowercased() == "none" || name.uppercased().hasPrefix("HS")
    }
}
