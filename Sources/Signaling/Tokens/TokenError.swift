/// Why a token was refused: a room token (``TokenVerifier``) or a consumer's identity-provider
/// token (``ConsumerTokenVerifier``).
///
/// Both verifiers share the structural and time checks (``CompactJWS``, ``RegisteredClaims``),
/// so they share this one type; a case that only one verifier can raise says so. Clients only
/// ever learn the close reason (`Invalid or expired token`, `invalid consumer token`); these
/// cases exist for tests, logs at debug level and `signal-server verify`.
public enum TokenError: Error, Equatable, CustomStringConvertible {
    /// Longer than the verifier's limit (``TokenVerifier/maximumTokenBytes``,
    /// ``ConsumerTokenVerifier/maximumTokenBytes``).
    case oversize
    /// Not three non-empty dot-separated segments.
    case malformed
    /// A segment is not strict unpadded base64url.
    case badEncoding
    /// The header or payload is not a JSON object.
    case badJSON
    /// Consumer tokens: `alg` is `none` or an HMAC algorithm, never accepted whatever the
    /// configuration.
    case forbiddenAlgorithm
    /// `alg` is missing or not one the verifier implements (room tokens: not `EdDSA`).
    case unsupportedAlgorithm
    /// Consumer tokens: `alg` is not in `CONSUMER_ALGORITHMS`.
    case algorithmNotAllowed
    /// The header has `crit`: extensions this server does not understand (RFC 7515 § 4.1.11).
    case criticalHeader
    /// Consumer tokens: the header's `kid` names no configured key.
    case unknownKeyID
    /// Consumer tokens: no configured key fits the token's `alg` (and `kid`).
    case noKeyForAlgorithm
    /// The signature does not verify with the (or any fitting) key.
    case badSignature
    /// `exp` is missing or not a number.
    case missingExpiry
    /// `exp` is not in the future.
    case expired
    /// `nbf` is in the future, or not a number.
    case notYetValid
    /// `iss` is not the configured issuer.
    case wrongIssuer
    /// `aud` does not contain the configured audience.
    case wrongAudience
    /// Room tokens: `sub` is missing, empty or not a string.
    case invalidSubject

    /// A short lower-case phrase.
    public var description: String {
        switch self {
        case .oversize: return "token is larger than the size limit"
        case .malformed: return "token is not three base64url segments"
        case .badEncoding: return "token segment is not unpadded base64url"
        case .badJSON: return "token header or payload is not a JSON object"
        case .forbiddenAlgorithm: return "token alg is none or HMAC"
        case .unsupportedAlgorithm: return "token alg is missing or unsupported"
        case .algorithmNotAllowed: return "token alg is not in CONSUMER_ALGORITHMS"
        case .criticalHeader: return "token header has crit"
        case .unknownKeyID: return "token kid matches no configured key"
        case .noKeyForAlgorithm: return "no configured key fits the token alg"
        case .badSignature: return "token signature does not verify"
        case .missingExpiry: return "token has no numeric exp"
        case .expired: return "token has expired"
        case .notYetValid: return "token is not valid yet (nbf)"
        case .wrongIssuer: return "token iss does not match"
        case .wrongAudience: return "token aud does not match"
        case .invalidSubject: return "token sub is not a non-empty string"
        }
    }
}
