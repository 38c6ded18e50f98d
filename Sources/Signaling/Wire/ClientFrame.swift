/// A frame a client sent on `/signal`, decoded once at the edge.
public enum ClientFrame: Sendable, Equatable {
    /// `{"type":"register",...}`.
    case register(Registration)
    /// `{"type":"heartbeat",...}`.
    case heartbeat(Heartbeat)
    /// `offer`, `answer` or `ice-candidate`: relayed as bytes to `to`.
    case relay(RelayEnvelope)
}

/// The fields of a `register` frame.
public struct Registration: Sendable, Equatable {
    /// `role`, `normal` when absent.
    public var role: PeerRole = .normal
    /// `serveConsumers`, `true` when absent.
    public var serveConsumers = true
    /// `capacity`: how many consumers a normal peer serves at most; unlimited when absent.
    public var capacity: Double?
    /// `token`: a consumer's identity-provider JWT.
    public var token: String?

    /// A registration with the given fields.
    public init(role: PeerRole = .normal, serveConsumers: Bool = true, capacity: Double? = nil, token: String? = nil) {
        self.role = role
        self.serveConsumers = serveConsumers
        self.capacity = capacity
        self.token = token
    }
}

/// The fields of a `heartbeat` frame; each is optional and only present ones change anything.
public struct Heartbeat: Sendable, Equatable {
    /// `load.sessions`: consumers the peer serves now.
    public var sessions: Double?
    /// `serveConsumers`.
    public var serveConsumers: Bool?
    /// `capacity`.
    public var capacity: Double?

    /// A heartbeat with the given fields.
    public init(sessions: Double? = nil, serveConsumers: Bool? = nil, capacity: Double? = nil) {
        self.sessions = sessions
        self.serveConsumers = serveConsumers
        self.capacity = capacity
    }
}

/// What routing needs of a relayed frame; its bytes stay where they are.
public struct RelayEnvelope: Sendable, Equatable {
    /// The relayed message types.
    public enum Kind: String, Sendable {
        case offer
        case answer
        case iceCandidate = "ice-candidate"
    }

    /// `type`.
    public let kind: Kind
    /// `to`: the target nodeId.
    public let target: String
    /// Whether the client sent its own `from` or `fromRole`, which the splice must drop.
    public let carriesSenderFields: Bool
}

/// Why a client frame was refused.
public enum ClientFrameError: Error, Equatable {
    /// A text frame that is not UTF-8: close 1007.
    case invalidUTF8
    /// Anything else: an `error` frame with code `BAD_MESSAGE` and this message; the socket stays open.
    case badMessage(String)
}
