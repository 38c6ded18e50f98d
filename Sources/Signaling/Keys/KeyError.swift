/// Why a JWK from the configuration was refused.
///
/// The description names the variable and the problem, never the value: these errors end up
/// in start-up logs, and the value is a secret.
public struct KeyError: Error, Equatable, CustomStringConvertible {
    /// What is wrong with the key.
    public enum Reason: Sendable, Equatable {
        /// The value is neither base64 of JSON nor raw JSON.
        case notBase64
        /// The decoded value is not a JSON object.
        case notJSONObject
        /// `kty` is missing or not `"OKP"`.
        case wrongKeyType
        /// `crv` is missing or not `"Ed25519"`.
        case wrongCurve
        /// A required member is missing or not a string.
        case missingMember(String)
        /// A member is not strict unpadded base64url.
        case notBase64URL(String)
        /// A member decodes to the wrong number of bytes.
        case wrongLength(member: String, expected: Int, actual: Int)
        /// A private key was expected but the JWK has no `d`.
        case notPrivate
        /// The public key derived from `d` is not `x`.
        case seedDoesNotMatchPublicKey
        /// The public JWK's `x` is not the private JWK's public key.
        case pairMismatch(otherVariable: String)
    }

    /// The configuration variable the key came from, such as `PRIVATE_KEY_JWK`.
    public let variable: String
    /// What is wrong with it.
    public let reason: Reason

    /// Creates an error for `variable`.
    public init(variable: String, reason: Reason) {
        self.variable = variable
        self.reason = reason
    }

    /// What is wrong, as a sentence fragment that follows the variable's name.
    public var problem: String {
        switch reason {
        case .notBase64: return "is neither base64 of a JWK nor JWK JSON"
        case .notJSONObject: return "is not a JSON object"
        case .wrongKeyType: return "kty must be \"OKP\""
        case .wrongCurve: return "crv must be \"Ed25519\""
        case .missingMember(let member): return "member \"\(member)\" is missing or not a string"
        case .notBase64URL(let member): return "member \"\(member)\" is not unpadded base64url"
        case .wrongLength(let member, let expected, let actual):
            return "member \"\(member)\" must decode to \(expected) bytes, got \(actual)"
        case .notPrivate: return "is a public key: member \"d\" is missing"
        case .seedDoesNotMatchPublicKey: return "\"x\" is not the public key derived from \"d\""
        case .pairMismatch(let other): return "does not match the key in \(other)"
        }
    }

    /// One line naming the variable and the problem.
    public var description: String { "\(variable) \(problem)" }
}
