/// Why a room token was refused.
///
/// Clients only ever learn the close reason `Invalid or expired token`; these cases exist for
/// tests, logs at debug level and `signal-server verify`.
public enum TokenError: Error, Equatable, CustomStringConvertible {
    /// Longer than ``TokenVerifier/maximumTokenBytes``.
    case oversize
    /// Not three non-empty dot-separated segments.
    case malformed
    /// A segment is not strict unpadded base64url.
    case badEncoding
    /// The header or payload is not a JSON object.
    case badJSON
    /// The header's `alg` is not `EdDSA`.
    case unsupportedAlgorithm
    /// The signature does not verify with the server's public key.
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
    /// `sub` is missing, empty or not a string.
    case invalidSubject

    /// A short lower-case phrase.
    public var description: String {
        switch self {
        case .oversize: return "token is larger than 4 KiB"
        case .malformed: return "token is not three base64url segments"
        case .badEncoding: return "token segment is not unpadded base64url"
        case .badJSON: return "token header or payload is not a JSON object"
        case .unsupportedAlgorithm: return "token alg is not EdDSA"
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
