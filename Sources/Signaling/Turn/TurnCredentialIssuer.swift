import Crypto
public import Foundation

/// Mints TURN credentials by the TURN REST API convention that coturn implements with
/// `use-auth-secret`: username `<unix expiry>:<nodeId>`, credential
/// base64(HMAC-SHA1(`static-auth-secret`, username)). coturn checks both without calling us.
public struct TurnCredentialIssuer: Sendable {
    /// The longest `TURN_TTL` accepted: a day.
    public static let maximumTimeToLive = TimeToLive(seconds: 86_400)
    /// `TURN_TTL` when unset: an hour.
    public static let defaultTimeToLive = TimeToLive(seconds: 3_600)

    /// The URLs handed out with every credential.
    public let urls: [TurnServerURL]
    /// How long a credential lives (never beyond the holder's own token).
    public let timeToLive: TimeToLive
    private let secret: SymmetricKey

    /// An issuer for coturn's `static-auth-secret`.
    public init(secret: String, urls: [TurnServerURL], timeToLive: TimeToLive = Self.defaultTimeToLive) {
        self.secret = SymmetricKey(data: Array(secret.utf8))
        self.urls = urls
        self.timeToLive = timeToLive
    }

    /// Credentials for `nodeId`, valid from `now` for ``timeToLive``, or until `notAfter` (the
    /// holder's token expiry) when that comes first.
    public func credentials(for nodeId: String, now: Date = Date(), notAfter: Date? = nil) -> IceServer {
        let issued = Int(now.timeIntervalSince1970.rounded(.down))
        var expiry = issued + timeToLive.seconds
        if let notAfter { expiry = min(expiry, Int(notAfter.timeIntervalSince1970.rounded(.down))) }
        let username = "\(expiry):\(nodeId)"
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Array(username.utf8), using: secret)
        return IceServer(
            urls: urls.map(\.description), username: username, credential: Data(mac).base64EncodedString(),
            ttl: max(0, expiry - issued))
    }
}
