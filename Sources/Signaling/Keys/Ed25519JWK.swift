/// An Ed25519 key in JSON Web Key form (RFC 8037 `OKP`), public or private.
///
/// Parsing checks exactly what SPEC § Keys lists: `kty`, `crv`, strict base64url, lengths, and
/// for a private key that the public key derived from `d` equals `x`. Other members (`alg`,
/// `kid`, `use`) are allowed and ignored.
public struct Ed25519JWK: Sendable {
    /// The public key (`x`).
    public let publicKey: Ed25519PublicKey
    /// The private key (`d`), when this is a private JWK.
    public let privateKey: Ed25519PrivateKey?

    /// Wraps an existing key pair.
    public init(privateKey: Ed25519PrivateKey) {
        self.publicKey = privateKey.publicKey
        self.privateKey = privateKey
    }

    /// Wraps a public key.
    public init(publicKey: Ed25519PublicKey) {
        self.publicKey = publicKey
        self.privateKey = nil
    }

    /// Parses a configuration value: base64 (standard or URL alphabet, padded or not) of the JWK
    /// JSON (wrapped over lines or not), or the raw JSON itself. Errors name `variable`.
    public init(configurationValue value: String, variable: String) throws(KeyError) {
        guard let json = ConfigurationJSON.bytes(of: value) else { throw KeyError(variable: variable, reason: .notBase64) }
        try self.init(json: json, variable: variable)
    }

    /// Parses JWK JSON. Errors name `variable`.
    public init(json: [UInt8], variable: String) throws(KeyError) {
        guard let members = JSONValue(parsing: json)?.objectValue else {
            throw KeyError(variable: variable, reason: .notJSONObject)
        }
        guard members["kty"]?.stringValue == "OKP" else { throw KeyError(variable: variable, reason: .wrongKeyType) }
        guard members["crv"]?.stringValue == "Ed25519" else { throw KeyError(variable: variable, reason: .wrongCurve) }

        func bytes(of member: String, count: Int) throws(KeyError) -> [UInt8] {
            guard let text = members[member]?.stringValue else {
                throw KeyError(variable: variable, reason: .missingMember(member))
            }
            guard let decoded = Base64.decode(text) else {
                throw KeyError(variable: variable, reason: .notBase64URL(member))
            }
            guard decoded.count == count else {
                throw KeyError(variable: variable, reason: .wrongLength(member: member, expected: count, actual: decoded.count))
            }
            return decoded
        }

        let x = try bytes(of: "x", count: 32)
        self.publicKey = Ed25519PublicKey(bytes: x)!
        if members["d"] == nil {
            self.privateKey = nil
        } else {
            let privateKey = Ed25519PrivateKey(seed: try bytes(of: "d", count: 32))!
            guard privateKey.publicKey == publicKey else {
                throw KeyError(variable: variable, reason: .seedDoesNotMatchPublicKey)
            }
            self.privateKey = privateKey
        }
    }

    /// The RFC 7638 thumbprint: base64url SHA-256 of the canonical `{"crv","kty","x"}` JSON.
    /// Used as the `kid` of tokens and of the published key.
    public var thumbprint: String {
        let canonical = #"{"crv":"Ed25519","kty":"OKP","x":"\#(Base64.encode(publicKey.bytes))"}"#
        return Base64.encode(Sodium.sha256(Array(canonical.utf8)))
    }

    /// The public JWK as published by `/public-key`: `alg`, `crv`, `kty`, `x`, `kid`, `use`.
    public var publicJSON: String {
        #"{"alg":"EdDSA","crv":"Ed25519","kty":"OKP","x":"\#(Base64.encode(publicKey.bytes))","kid":"\#(thumbprint)","use":"sig"}"#
    }

    /// The private JWK JSON (`kty`, `crv`, `x`, `d`), or `nil` for a public key.
    public var privateJSON: String? {
        guard let privateKey else { return nil }
        return #"{"kty":"OKP","crv":"Ed25519","x":"\#(Base64.encode(publicKey.bytes))","d":"\#(Base64.encode(privateKey.seed))"}"#
    }
}

extension StringProtocol {
    /// The string without leading and trailing spaces, tabs and line breaks.
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[start...end])
    }
}
