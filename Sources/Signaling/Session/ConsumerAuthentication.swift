/// How a consumer's `register` is checked (SPEC § Roles and frames).
public enum ConsumerAuthentication: Sendable {
    /// Auth is off: consumers register without a token.
    case open
    /// Auth is on but no identity-provider keys are configured: every consumer is refused.
    case notConfigured
    /// Auth is on: the `register` must carry a token this verifier accepts.
    case verified(by: ConsumerTokenVerifier)

    /// Checks a consumer's `register` token; returns why the consumer is refused, or `nil`
    /// when it may register. One signature check, once per socket.
    public func refusal(token: String?) -> ConsumerRefusal? {
        switch self {
        case .open:
            return nil
        case .notConfigured:
            return .notConfigured
        case .verified(let verifier):
            guard let token, !token.isEmpty else { return .missingToken }
            do {
                _ = try verifier.verify(token)
                return nil
            } catch {
                return .invalidToken(reason: "\(error)")
            }
        }
    }
}

/// Why a consumer's `register` was refused: the `auth-err` message and the close code that
/// follow it.
public enum ConsumerRefusal: Sendable, Equatable {
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
