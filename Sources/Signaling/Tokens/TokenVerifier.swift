public import Foundation

/// Verifies room tokens exactly as SPEC § Room tokens lists, and nothing looser.
///
/// A token passes only with three strict base64url segments, header `alg` exactly `EdDSA` and
/// no `crit`, a valid Ed25519 signature over `header.payload`, a numeric `exp` in the future, an
/// `nbf` (if any) not in the future, the configured `iss` and `aud`, a non-empty string `sub`,
/// and at most 4 KiB in all. `typ`, `kid`, `iat` and `jti` are optional, so the JS server's tokens
/// (header `{"alg":"EdDSA"}`, claims `sub iat iss aud exp`) keep working.
public struct TokenVerifier: Sendable {
    /// The largest token accepted, in bytes.
    public static let maximumTokenBytes = 4096

    private let publicKey: Ed25519PublicKey
    private let issuer: String
    private let audience: String

    /// Creates a verifier that trusts `publicKey` and requires `issuer` and `audience`.
    public init(publicKey: Ed25519PublicKey, issuer: String, audience: String) {
        self.publicKey = publicKey
        self.issuer = issuer
        self.audience = audience
    }

    /// The claims of `token` if it is valid at `now`.
    public func verify(_ token: String, now: Date = Date()) throws(TokenError) -> RoomTokenClaims {
        let jws = try CompactJWS(token, maximumBytes: Self.maximumTokenBytes)
        guard jws.header["alg"]?.stringValue == "EdDSA" else { throw .unsupportedAlgorithm }
        guard jws.header["crit"] == nil else { throw .criticalHeader }
        guard publicKey.isValidSignature(jws.signature, for: jws.signingInput) else { throw .badSignature }

        let claims = try RegisteredClaims(payload: jws.payload, now: now)
        guard claims.members["iss"]?.stringValue == issuer else { throw .wrongIssuer }
        guard claims.audiences.contains(audience) else { throw .wrongAudience }
        guard let subject = claims.members["sub"]?.stringValue, !subject.isEmpty else { throw .invalidSubject }

        return RoomTokenClaims(
            subject: subject,
            issuer: issuer,
            audience: claims.audiences,
            expiresAt: Date(timeIntervalSince1970: claims.expiry),
            issuedAt: claims.members["iat"]?.numberValue.map { Date(timeIntervalSince1970: $0) },
            notBefore: claims.notBefore.map { Date(timeIntervalSince1970: $0) },
            tokenID: claims.members["jti"]?.stringValue)
    }
}
