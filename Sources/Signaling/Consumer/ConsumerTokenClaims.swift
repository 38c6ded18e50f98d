public import Foundation

/// What a verified consumer token says.
public struct ConsumerTokenClaims: Sendable, Equatable {
    /// The header's `alg`.
    public let algorithm: ConsumerAlgorithm
    /// The `kid` of the key that verified the signature, when it has one.
    public let keyID: String?
    /// `sub`, when it is a string: who the consumer is at the identity provider.
    public let subject: String?
    /// `iss`, when it is a string.
    public let issuer: String?
    /// `aud`: the string, or the strings of the array; empty when absent.
    public let audience: [String]
    /// `exp`.
    public let expiresAt: Date
}
