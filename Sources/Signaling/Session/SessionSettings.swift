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
    /// `PING_INTERVAL`: the time between server pings; silence for two intervals drops a peer.
    public let pingInterval: TimeAmount
    /// Mints the TURN credentials sent with `peer-list` and `server-list`; `nil`: TURN is off.
    public let turn: TurnCredentialIssuer?
    /// How long a closing socket waits for the client's close frame before dropping it.
    public let closeHandshakeTimeout: TimeAmount

    /// Settings for the sessions of one service.
    public init(
        directory: any PeerDirectory,
        consumerAuthentication: ConsumerAuthentication,
        registerTimeout: TimeAmount,
        pingInterval: TimeAmount,
        turn: TurnCredentialIssuer? = nil,
        closeHandshakeTimeout: TimeAmount = .seconds(5)
    ) {
        self.directory = directory
        self.consumerAuthentication = consumerAuthentication
        self.registerTimeout = registerTimeout
        self.pingInterval = pingInterval
        self.turn = turn
        self.closeHandshakeTimeout = closeHandshakeTimeout
    }
}
