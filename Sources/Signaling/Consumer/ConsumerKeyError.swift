/// Why `CONSUMER_PUBLIC_KEY_JWK` was refused.
///
/// The description names the problem and, in a set of several keys, which key; never a value.
public struct ConsumerKeyError: Error, Equatable, CustomStringConvertible {
    /// What is wrong.
    public enum Reason: Sendable, Equatable {
        /// The value is neither base64 of JSON nor raw JSON.
        case notBase64
        /// The JSON is not a JWK object, an array of them, or a JWKS `{"keys":[…]}`.
        case notKeySet
        /// The array or JWKS holds no key.
        case empty
        /// A key is not a JSON object.
        case notJSONObject
        /// `kty` is missing or not `EC` or `RSA` (symmetric `oct` keys included).
        case unsupportedKeyType(String?)
        /// An `EC` key whose `crv` is not `P-256`.
        case unsupportedCurve(String?)
        /// A required member is missing or not a string.
        case missingMember(String)
        /// A member is not strict unpadded base64url.
        case notBase64URL(String)
        /// A member decodes to the wrong number of bytes.
        case wrongLength(member: String, expected: Int, actual: Int)
        /// A private member (`d`, `p`, …): only public keys belong in this variable.
        case privateMember(String)
        /// `x` and `y` are not a point on P-256.
        case invalidPoint
        /// `n` and `e` are not an RSA public key of at least 2048 bits.
        case invalidRSAKey
        /// The key's `alg` is a consumer algorithm for another key type.
        case algorithmDoesNotFitKey(String)
    }

    /// The position of the faulty key in an array or JWKS (0-based), `nil` for a single JWK.
    public var index: Int?
    /// What is wrong.
    public let reason: Reason

    /// Creates an error, for the key at `index` when the value holds several.
    public init(_ reason: Reason, index: Int? = nil) {
        self.reason = reason
        self.index = index
    }

    /// What is wrong, as a sentence fragment that follows the variable's name.
    public var description: String {
        let problem: String
        switch reason {
        case .notBase64: problem = "is neither base64 of a JWK, a JWK array or a JWKS nor such JSON"
        case .notKeySet: problem = "is not a JWK object, a JWK array or a JWKS {\"keys\":[...]}"
        case .empty: problem = "holds no keys"
        case .notJSONObject: problem = "is not a JSON object"
        case .unsupportedKeyType(let type):
            problem = "kty \(Self.quoted(type)) is not supported: use \"EC\" (P-256) or \"RSA\" public keys"
        case .unsupportedCurve(let curve): problem = "crv \(Self.quoted(curve)) is not supported: EC keys must be \"P-256\""
        case .missingMember(let member): problem = "member \"\(member)\" is missing or not a string"
        case .notBase64URL(let member): problem = "member \"\(member)\" is not unpadded base64url"
        case .wrongLength(let member, let expected, let actual):
            problem = "member \"\(member)\" must decode to \(expected) bytes, got \(actual)"
        case .privateMember(let member): problem = "has private member \"\(member)\": configure the public key only"
        case .invalidPoint: problem = "x and y are not a point on P-256"
        case .invalidRSAKey: problem = "n and e are not an RSA public key of at least 2048 bits"
        case .algorithmDoesNotFitKey(let algorithm): problem = "alg \"\(algorithm)\" does not fit the key's kty"
        }
        guard let index else { return problem }
        return "key \(index): \(problem)"
    }

    private static func quoted(_ value: String?) -> String {
        value.map { "\"\($0)\"" } ?? "(missing)"
    }
}
