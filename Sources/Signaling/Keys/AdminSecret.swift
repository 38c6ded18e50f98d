/// The admin secret that authorises `POST /token`, compared in constant time.
///
/// Both sides are hashed with SHA-256 before `sodium_memcmp`, so neither the content nor the
/// length of the secret leaks through timing.
public struct AdminSecret: Sendable {
    /// The shortest secret accepted at start-up.
    public static let minimumLength = 16

    private let digest: [UInt8]

    /// Wraps the configured secret.
    public init(_ secret: String) {
        digest = Sodium.sha256(Array(secret.utf8))
    }

    /// Whether `candidate` is the secret.
    public func matches(_ candidate: String) -> Bool {
        Sodium.constantTimeEquals(digest, Sodium.sha256(Array(candidate.utf8)))
    }

    /// A fresh random secret: 32 bytes as unpadded base64url (43 characters).
    public static func generate() -> String {
        Base64.encode(Sodium.randomBytes(32))
    }
}
