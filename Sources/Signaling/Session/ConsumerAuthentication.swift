public import Foundation

/// How a consumer's `register` is checked (SPEC § Roles and frames).
public enum ConsumerAuthentication: Sendable {
    /// Auth is off: consumers register without a token.
    case open
    /// Auth is on but no identity-provider keys are configured: every consumer is refused.
    case notConfigured
    /// Auth is on: the `register` must carry a token this verifier accepts.
    case verified(by: ConsumerTokenVerifier)

    /// Checks a consumer's `register` token: the token's expiry (`nil` when none was needed)
    /// when the consumer may register, or why it is refused. One signature check, once per socket.
    public func check(token: String?) -> Result<Date?, ConsumerRefusal> {
        switch self {
        case .open:
            return .success(nil)
        case .notConfigured:
            return .failure(.notConfigured)
        case .verified(let verifier):
            guard let token, !token.isEmpty else { return .failure(.missingToken) }
            do {
                return .success(try verifier.verify(token).expiresAt)
            } catch {
                return .failure(.invalidToken(reason: "\(error)"))
            }
        }
    }
}

/// Why a consumer's `register` was refused: the `auth-err` message and the close code that
/// follow it.
public enum ConsumerRefusal: Error, Sendable, Equatable {
    /// Auth is on and `CONSUMER_PUBLIC_KEY_JWK` is not set.
    case notConfigured
    /// The `register` carried no token.
    case missingToken
    /// The token failed verification; `reason` is for the server's log only.
    case invalidToken(reason: String)

    /// The `message` of the `auth-err` frame.
    public var message: String {
        switch self {
        case .notConfigured: "consumer authentication is not configured on this server"
        case .missingToken: "missing consumer token"
        case .invalidToken: "invalid or expired consumer token"
        }
    }

    /// The close code sent after the `auth-err` frame.
    public var closeCode: CloseCode {
        switch self {
        case .notConfigured: .consumerAuthNotConfigured
        case .missingToken: .missingConsumerToken
        case .invalidToken: .invalidConsumerToken
        }
    }
}
