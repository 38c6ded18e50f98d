/// The server's room-token key pair, loaded from `PRIVATE_KEY_JWK` and `PUBLIC_KEY_JWK`.
///
/// Loading refuses a public JWK that is not the private key's own public half: a server that
/// signs with one key and publishes another would mint tokens nobody can verify.
public struct SigningKeyPair: Sendable {
    /// The private key that signs room tokens.
    public let privateKey: Ed25519PrivateKey
    /// The key as a JWK (private, so it can also be written out by `keygen`).
    public let jwk: Ed25519JWK

    /// The public key that verifies room tokens.
    public var publicKey: Ed25519PublicKey { privateKey.publicKey }

    /// The RFC 7638 thumbprint, used as `kid`.
    public let keyID: String

    /// Wraps a private key.
    public init(privateKey: Ed25519PrivateKey) {
        self.privateKey = privateKey
        self.jwk = Ed25519JWK(privateKey: privateKey)
        self.keyID = jwk.thumbprint
    }

    /// Generates a fresh pair.
    public static func generate() -> SigningKeyPair {
        SigningKeyPair(privateKey: Ed25519PrivateKey())
    }

    /// Loads and cross-checks the two configuration values (base64 or raw JSON each).
    public init(
        privateJWK: String, publicJWK: String,
        privateVariable: String = "PRIVATE_KEY_JWK", publicVariable: String = "PUBLIC_KEY_JWK"
    ) throws(KeyError) {
        let privateForm = try Ed25519JWK(configurationValue: privateJWK, variable: privateVariable)
        guard let privateKey = privateForm.privateKey else {
            throw KeyError(variable: privateVariable, reason: .notPrivate)
        }
        let publicForm = try Ed25519JWK(configurationValue: publicJWK, variable: publicVariable)
        guard publicForm.publicKey == privateKey.publicKey else {
            throw KeyError(variable: publicVariable, reason: .pairMismatch(otherVariable: privateVariable))
        }
        self.init(privateKey: privateKey)
    }

    /// `PRIVATE_KEY_JWK=…` and `PUBLIC_KEY_JWK=…`, each base64 (standard, padded) of the JWK
    /// JSON, ready for a `.env` file.
    public var environmentLines: [String] {
        let publicJSON = #"{"kty":"OKP","crv":"Ed25519","x":"\#(Base64.encode(publicKey.bytes))"}"#
        return [
            "PRIVATE_KEY_JWK=" + Base64.encode(Array(jwk.privateJSON!.utf8), variant: .standard),
            "PUBLIC_KEY_JWK=" + Base64.encode(Array(publicJSON.utf8), variant: .standard),
        ]
    }
}
