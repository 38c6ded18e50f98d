public import Foundation
import NIOCore

/// Mints room tokens: compact JWS, `EdDSA` over Ed25519, signed through libsodium.
///
/// Header `{"alg":"EdDSA","typ":"JWT","kid":<thumbprint>}`; claims `sub iss aud iat exp jti`.
public struct TokenIssuer: Sendable {
    /// A freshly minted token.
    public struct IssuedToken: Sendable {
        /// The compact JWS.
        public let token: String
        /// Its `exp`.
        public let expiresAt: Date
    }

    private let keys: SigningKeyPair
    private let issuer: String
    private let audience: String
    private let encodedHeader: String

    /// Creates an issuer that signs with `keys` and writes `issuer` and `audience` into every token.
    public init(keys: SigningKeyPair, issuer: String, audience: String) {
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        let header = #"{"alg":"EdDSA","typ":"JWT","kid":"\#(keys.keyID)"}"#
        self.encodedHeader = Base64.encode(Array(header.utf8))
    }

    /// Mints a token for `subject` that lives `timeToLive` from `now`.
    public func issue(subject: String, timeToLive: TimeToLive, now: Date = Date()) -> IssuedToken {
        let issuedAt = Int(now.timeIntervalSince1970)
        let expiresAt = issuedAt + timeToLive.seconds
        // Claims in sorted order, written straight as JSON (no encoder on the mint path).
        var payload = ByteBuffer()
        payload.writeStaticString(#"{"aud":"#)
        payload.writeJSONString(audience)
        payload.writeString(#","exp":\#(expiresAt),"iat":\#(issuedAt),"iss":"#)
        payload.writeJSONString(issuer)
        payload.writeStaticString(#","jti":"#)
        payload.writeJSONString(RandomTokenID.make())
        payload.writeStaticString(#","sub":"#)
        payload.writeJSONString(subject)
        payload.writeStaticString("}")
        let signingInput = encodedHeader + "." + Base64.encode(payload.readableBytesView)
        let signature = keys.privateKey.signature(for: Array(signingInput.utf8))
        return IssuedToken(
            token: signingInput + "." + Base64.encode(signature),
            expiresAt: Date(timeIntervalSince1970: TimeInterval(expiresAt)))
    }
}
