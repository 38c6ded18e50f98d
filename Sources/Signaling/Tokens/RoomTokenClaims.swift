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
}
