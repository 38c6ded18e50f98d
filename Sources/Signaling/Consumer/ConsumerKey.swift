import Crypto
import _CryptoExtras

/// One public key of the identity provider that signs consumer tokens, read from a JWK.
///
/// `EC` keys must be on P-256 (`x`, `y`: 32 bytes each, a point on the curve) and verify
/// `ES256`; `RSA` keys (`n`, `e`, at least 2048 bits) verify `RS256` and `PS256`. `kid`, `alg`
/// and `use` are kept for key selection; other public members are ignored, private ones refused.
/// Signatures are checked by swift-crypto, never by code of ours.
public struct ConsumerKey: Sendable {
    /// A JWK `kty` this server verifies with.
    public enum KeyType: String, Sendable {
        /// Elliptic curve (P-256 only).
        case ec = "EC"
        /// RSA.
        case rsa = "RSA"
    }

    private enum Material: Sendable {
        case p256(P256.Signing.PublicKey)
        case rsa(_RSA.Signing.PublicKey)
    }

    /// Members that only a private JWK has (RFC 7518 § 6.2.2 and § 6.3.2).
    private static let privateMembers = ["d", "p", "q", "dp", "dq", "qi", "oth"]

    /// `kty`.
    public let keyType: KeyType
    /// `kid`, when the JWK has one.
    public let keyID: String?
    /// `alg`, when the JWK has one: then only tokens of exactly that `alg` use this key.
    public let algorithm: String?
    /// `use`, when the JWK has one: a key whose `use` is not `sig` verifies nothing.
    public let use: String?
    private let material: Material

    /// Parses one public JWK.
    public init(jwk members: [String: JSONValue]) throws(ConsumerKeyError) {
        guard let type = KeyType(rawValue: members["kty"]?.stringValue ?? "") else {
            throw ConsumerKeyError(.unsupportedKeyType(members["kty"]?.stringValue))
        }
        if let member = Self.privateMembers.first(where: { members[$0] != nil }) {
            throw ConsumerKeyError(.privateMember(member))
        }
        func bytes(of member: String) throws(ConsumerKeyError) -> [UInt8] {
            guard let text = members[member]?.stringValue else { throw ConsumerKeyError(.missingMember(member)) }
            guard let decoded = Base64.decode(text), !decoded.isEmpty else { throw ConsumerKeyError(.notBase64URL(member)) }
            return decoded
        }

        switch type {
        case .ec:
            let curve = members["crv"]?.stringValue
            guard curve == "P-256" else { throw ConsumerKeyError(.unsupportedCurve(curve)) }
            var point: [UInt8] = []
            for member in ["x", "y"] {
                let coordinate = try bytes(of: member)
                guard coordinate.count == 32 else {
                    throw ConsumerKeyError(.wrongLength(member: member, expected: 32, actual: coordinate.count))
                }
                point += coordinate
            }
            guard let key = try? P256.Signing.PublicKey(rawRepresentation: point) else {
                throw ConsumerKeyError(.invalidPoint)
            }
            material = .p256(key)
        case .rsa:
            let modulus = try bytes(of: "n")
            let exponent = try bytes(of: "e")
            guard let key = try? _RSA.Signing.PublicKey(n: modulus, e: exponent) else {
                throw ConsumerKeyError(.invalidRSAKey)
            }
            material = .rsa(key)
        }

        keyType = type
        keyID = members["kid"]?.stringValue
        use = members["use"]?.stringValue
        algorithm = members["alg"]?.stringValue
        if let algorithm, let known = ConsumerAlgorithm(rawValue: algorithm), known.keyType != type {
            throw ConsumerKeyError(.algorithmDoesNotFitKey(algorithm))
        }
    }

    /// Whether this key may verify a token signed with `algorithm`: the key type fits, and the
    /// JWK's own `alg` and `use`, when present, allow it.
    public func fits(_ algorithm: ConsumerAlgorithm) -> Bool {
        keyType == algorithm.keyType && (self.algorithm ?? algorithm.rawValue) == algorithm.rawValue && (use ?? "sig") == "sig"
    }

    /// Whether `signature` is a valid `algorithm` signature of `signingInput` by this key.
    public func isValidSignature(_ signature: [UInt8], for signingInput: [UInt8], algorithm: ConsumerAlgorithm) -> Bool {
        let digest = SHA256.hash(data: signingInput)
        switch (material, algorithm) {
        case (.p256(let key), .es256):
            guard let ecdsa = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(ecdsa, for: digest)
        case (.rsa(let key), .rs256):
            return key.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature), for: digest, padding: .insecurePKCS1v1_5)
        case (.rsa(let key), .ps256):
            return key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: digest, padding: .PSS)
        case (.p256, .rs256), (.p256, .ps256), (.rsa, .es256):
            return false
        }
    }
}
