/// Why a command to Redis failed.
public enum RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The connection is down (reconnecting): the command was refused at once, never queued.
    case notConnected
    /// The connection dropped after the command was sent, before its reply arrived; it may or
    /// may not have run.
    case connectionLost
    /// Redis did not answer within the reply timeout (frozen, or the network drops everything):
    /// the connection was closed and reconnects; the command may or may not have run.
    case timedOut
    /// Redis answered with an error reply; the text is the reply's (`ERR ...`, `NOSCRIPT ...`).
    case server(String)
    /// The connection was closed with `close()`.
    case closed

    public var description: String {
        switch self {
        case .notConnected: "not connected to Redis"
        case .connectionLost: "the connection to Redis was lost before the reply arrived"
        case .timedOut: "Redis did not answer within the reply timeout; the connection was closed"
        case .server(let message): "Redis answered with an error: \(message)"
        case .closed: "the Redis connection was closed"
        }
    }
}
