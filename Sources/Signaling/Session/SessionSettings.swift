public import NIOCore

/// What every ``SignalSessionStateMachine`` of one service shares: the room directory, how
/// consumers authenticate, and the timeouts. One instance per service, so a socket carries a
/// single reference to it.
public final class SessionSettings: Sendable {
    /// Who is in which room.
    public let directory: any PeerDirectory
    /// How a consumer's `register` is checked.
    public let consumerAuthentication: ConsumerAuthentication
    /// `REGISTER_TIMEOUT`: how long a socket may stay pending.
    public let registerTimeout: TimeAmount
    /// `TOKENLESS_TIMEOUT`: how long a socket admitted without a token (auth on, the consumer
    /// path) may stay pending, never longer than ``registerTimeout``; shorter, so a client with
    /// no credential holds a socket briefly.
    public let tokenlessRegisterTimeout: TimeAmount
    /// `MESSAGE_RATE`: the messages one socket may send; past it they are dropped with one
    /// `RATE_LIMITED` error, and a socket that keeps on is closed 1008.
    public let messageRate: Rate
    /// `PING_INTERVAL`: the time between server pings; silence for two intervals drops a peer.
    public let pingInterval: TimeAmount
    /// Mints the TURN credentials sent with `peer-list` and `server-list`; `nil`: TURN is off.
    public let turn: TurnCredentialIssuer?
    /// Revoked room tokens and the live sockets each room token admitted (by default a list for
    /// tokens that live up to a year, the default `MAX_TOKEN_TTL`).
    public let revocations: RevocationList
    /// `CLOSE_ON_TOKEN_EXPIRY`: whether a socket is closed when its room token's `exp` passes.
    public let closeOnTokenExpiry: Bool
    /// How long a closing socket waits for the client's close frame before dropping it.
    public let closeHandshakeTimeout: TimeAmount

    /// Settings for the sessions of one service; `tokenlessRegisterTimeout` defaults to `registerTimeout`.
    public init(
        directory: any PeerDirectory,
        consumerAuthentication: ConsumerAuthentication,
        registerTimeout: TimeAmount,
        tokenlessRegisterTimeout: TimeAmount? = nil,
        messageRate: Rate = Rate(300, per: TimeToLive(seconds: 10)),
        pingInterval: TimeAmount,
        turn: TurnCredentialIssuer? = nil,
        revocations: RevocationList = RevocationList(maximumTokenLifetime: 31_557_600),
        closeOnTokenExpiry: Bool = false,
        closeHandshakeTimeout: TimeAmount = .seconds(5)
    ) {
        self.directory = directory
        self.consumerAuthentication = consumerAuthentication
        self.registerTimeout = registerTimeout
        self.tokenlessRegisterTimeout = tokenlessRegisterTimeout ?? registerTimeout
        self.messageRate = messageRate
        self.pingInterval = pingInterval
        self.turn = turn
        self.revocations = revocations
        self.closeOnTokenExpiry = closeOnTokenExpiry
        self.closeHandshakeTimeout = closeHandshakeTimeout
    }
}
