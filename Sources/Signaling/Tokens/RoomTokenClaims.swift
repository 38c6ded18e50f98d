public import Foundation

/// The verified claims of a room token.
public struct RoomTokenClaims: Sendable, Equatable {
    /// `sub`: the room the token admits to (and the default nodeId).
    public let subject: String
    /// `iss`.
    public let issuer: String
    /// `aud`, as one or more audiences.
    public let audience: [String]
    /// `exp`.
    public let expiresAt: Date
    /// `iat`, when present.
    public let issuedAt: Date?
    /// `nbf`, when present.
    public let notBefore: Date?
    /// `jti`, when present.
    public let tokenID: String?

    /// Claims with these values (the verifier makes them from a token).
    public init(
        subject: String, issuer: String, audience: [String], expiresAt: Date, issuedAt: Date? = nil, notBefore: Date? = nil,
        tokenID: String? = nil
    ) {
        self.subject = subject
        self.issuer = issuer
        self.audience = audience
        self.expiresAt = expiresAt
        self.issuedAt = issuedAt
        self.notBefore = notBefore
        self.tokenID = tokenID
    }
}
