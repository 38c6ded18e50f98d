public import Foundation

/// Verifies a consumer's identity-provider token (SPEC § Roles and frames: consumer).
///
/// A token passes only with three strict base64url segments, at most 8 KiB in all, a header
/// `alg` that is one of the configured ``ConsumerAlgorithm``s (`none` and HMAC never are), no
/// `crit`, a signature that swift-crypto verifies with a configured key, a numeric `exp` in the
/// future, an `nbf` (if any) not in the future, and, when configured, the `iss` and an `aud`
/// (a string, or an array that contains it).
///
/// The key: when the header has a `kid`, only keys with that `kid` are tried (a `kid` that
/// names no key is refused); otherwise every key whose type, `alg` and `use` fit the token's
/// `alg`.
public struct ConsumerTokenVerifier: Sendable {
    /// The largest token accepted, in bytes.
    public static let maximumTokenBytes = 8192

    private let keys: [ConsumerKey]
    private let algorithms: [ConsumerAlgorithm]
    private let issuer: String?
    private let audience: String?

    /// Creates a verifier that trusts `keys`, accepts `algorithms`, and requires `issuer` and
    /// `audience` when they are given.
    public init(
        keys: ConsumerKeySet, algorithms: [ConsumerAlgorithm] = ConsumerAlgorithm.defaults,
        issuer: String? = nil, audience: String? = nil
    ) {
        self.keys = keys.keys
        self.algorithms = algorithms
        self.issuer = issuer
        self.audience = audience
    }

    /// The claims of `token` if it is valid at `now`.
    public func verify(_ token: String, now: Date = Date()) throws(TokenError) -> ConsumerTokenClaims {
        let jws = try CompactJWS(token, maximumBytes: Self.maximumTokenBytes)
        let header = jws.header
        guard let name = header["alg"]?.stringValue else { throw .unsupportedAlgorithm }
        guard !ConsumerAlgorithm.isNeverAccepted(name) else { throw .forbiddenAlgorithm }
        guard let algorithm = ConsumerAlgorithm(rawValue: name) else { throw .unsupportedAlgorithm }
        guard algorithms.contains(algorithm) else { throw .algorithmNotAllowed }
        guard header["crit"] == nil else { throw .criticalHeader }

        var candidates = keys
        if let keyID = header["kid"] {
            candidates = keys.filter { $0.keyID.map(JSONValue.string) == keyID }
            guard !candidates.isEmpty else { throw .unknownKeyID }
        }
        candidates = candidates.filter { $0.fits(algorithm) }
        guard !candidates.isEmpty else { throw .noKeyForAlgorithm }
        guard let signer = candidates.first(where: { $0.isValidSignature(jws.signature, for: jws.signingInput, algorithm: algorithm) })
        else { throw .badSignature }

        let claims = try RegisteredClaims(payload: jws.payload, now: now)
        if let issuer {
            guard claims.members["iss"]?.stringValue == issuer else { throw .wrongIssuer }
        }
        if let audience {
            guard claims.audiences.contains(audience) else { throw .wrongAudience }
        }

        return ConsumerTokenClaims(
            algorithm: algorithm,
            keyID: signer.keyID,
            subject: claims.members["sub"]?.stringValue,
            issuer: claims.members["iss"]?.stringValue,
            audience: claims.audiences,
            expiresAt: Date(timeIntervalSince1970: claims.expiry))
    }
}
