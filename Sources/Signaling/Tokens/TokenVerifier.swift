public import Foundation

/// Verifies room tokens exactly as SPEC § Room tokens lists, and nothing looser.
///
/// A token passes only with three strict base64url segments, header `alg` exactly `EdDSA`, a
/// valid Ed25519 signature over `header.payload`, a numeric `exp` in the future, an `nbf` (if
/// any) not in the future, the configured `iss` and `aud`, a non-empty string `sub`, and at
/// most 4 KiB in all. `typ`, `kid`, `iat` and `jti` are optional, so the JS server's tokens
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
        let bytes = Array(token.utf8)
        guard bytes.count <= Self.maximumTokenBytes else { throw .oversize }
        let segments = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard segments.count == 3, segments.allSatisfy({ !$0.isEmpty }) else { throw .malformed }

        guard let headerBytes = Base64.decode(String(decoding: segments[0], as: UTF8.self)),
            let payloadBytes = Base64.decode(String(decoding: segments[1], as: UTF8.self)),
            let signature = Base64.decode(String(decoding: segments[2], as: UTF8.self))
        else { throw .badEncoding }

        guard let header = JSONValue(parsing: headerBytes)?.objectValue else { throw .badJSON }
        guard header["alg"]?.stringValue == "EdDSA" else { throw .unsupportedAlgorithm }

        let signingInput = Array(bytes[..<(segments[1].endIndex)])
        guard publicKey.isValidSignature(signature, for: signingInput) else { throw .badSignature }

        guard let claims = JSONValue(parsing: payloadBytes)?.objectValue else { throw .badJSON }
        let nowSeconds = now.timeIntervalSince1970
        guard let expiry = claims["exp"]?.numberValue else { throw .missingExpiry }
        guard expiry > nowSeconds else { throw .expired }
        var notBefore: Double?
        if let nbf = claims["nbf"] {
            guard let value = nbf.numberValue, value <= nowSeconds else { throw .notYetValid }
            notBefore = value
        }
        guard claims["iss"]?.stringValue == issuer else { throw .wrongIssuer }
        let audiences: [String]
        switch claims["aud"] {
        case .string(let single)?: audiences = [single]
        case .array(let list)?: audiences = list.compactMap(\.stringValue)
        default: audiences = []
        }
        guard audiences.contains(audience) else { throw .wrongAudience }
        guard let subject = claims["sub"]?.stringValue, !subject.isEmpty else { throw .invalidSubject }

        return RoomTokenClaims(
            subject: subject,
            issuer: issuer,
            audience: audiences,
            expiresAt: Date(timeIntervalSince1970: expiry),
            issuedAt: claims["iat"]?.numberValue.map { Date(timeIntervalSince1970: $0) },
            notBefore: notBefore.map { Date(timeIntervalSince1970: $0) },
            tokenID: claims["jti"]?.stringValue)
    }
}
