/// A WebSocket close code with the reason the server sends with it: every way this server
/// ends a `/signal` socket, in one place.
public struct CloseCode: Sendable, Equatable, CustomStringConvertible {
    /// The numeric code (RFC 6455 § 7.4, or the 4000-range codes of this protocol).
    public let code: UInt16
    /// The reason text sent in the close frame.
    public let reason: String

    /// Creates a close code.
    public init(_ code: UInt16, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    /// `"<code> <reason>"`.
    public var description: String { "\(code) \(reason)" }

    /// The reply to a client's close frame: its own `code`, no reason (RFC 6455 § 5.5.1).
    public static func echoing(_ code: UInt16) -> CloseCode { CloseCode(code, "") }

    /// 1006: the connection ended without a close frame (never sent; what the log records).
    public static let abnormalClosure = CloseCode(1006, "connection ended without a close frame")
    /// 1000: a newer socket took this (room, nodeId).
    public static let replaced = CloseCode(1000, "replaced by new connection")
    /// 1001: the server is stopping.
    public static let shuttingDown = CloseCode(1001, "server shutting down")
    /// 1001: nothing was heard from the peer for two ping intervals.
    public static let pingTimeout = CloseCode(1001, "ping timeout")
    /// 1002: the frame decoder found a frame that breaks RFC 6455 (a fragmented or oversized
    /// control frame).
    public static let protocolError = CloseCode(1002, "protocol error")
    /// 1002: a new text message started inside a fragmented one (RFC 6455 § 5.4).
    public static let textInsideFragment = CloseCode(1002, "text frame inside a fragmented message")
    /// 1002: a continuation frame with no message to continue.
    public static let continuationWithoutMessage = CloseCode(1002, "continuation frame without a message")
    /// 1002: a frame with RSV1, RSV2 or RSV3 set; no extension is ever negotiated (RFC 6455 § 5.2).
    public static let reservedBitsSet = CloseCode(1002, "reserved bits set")
    /// 1002: a frame with a reserved opcode (3–7, 0xB–0xF).
    public static let reservedOpcode = CloseCode(1002, "reserved opcode")
    /// 1002: a client frame without a mask (RFC 6455 § 5.1).
    public static let unmaskedFrame = CloseCode(1002, "client frame not masked")
    /// 1002: the client's close frame carried a code that may not be sent (RFC 6455 § 7.4).
    public static let invalidCloseCode = CloseCode(1002, "invalid close code")
    /// 1002: the client's close frame body was one byte, half a code (RFC 6455 § 5.5.1).
    public static let oneByteCloseBody = CloseCode(1002, "one-byte close frame body")
    /// 1003: a binary frame; this protocol is JSON text.
    public static let binaryFrame = CloseCode(1003, "binary frames are not supported")
    /// 1007: a text frame that is not UTF-8.
    public static let invalidUTF8 = CloseCode(1007, "text frame is not valid UTF-8")
    /// 1007: the client's close reason is not UTF-8 (RFC 6455 § 5.5.1).
    public static let invalidCloseReason = CloseCode(1007, "close reason is not valid UTF-8")
    /// 1008: the socket's unsent data stayed over `MAX_OUTBOUND_BYTES`.
    public static let slowConsumer = CloseCode(1008, "slow consumer")
    /// 1008: the socket went on sending past `MESSAGE_RATE` after its `RATE_LIMITED` error.
    public static let rateLimited = CloseCode(1008, "rate limit exceeded")
    /// 1009: a message over `MAX_MESSAGE_BYTES`.
    public static let messageTooLarge = CloseCode(1009, "message too large")
    /// 4001: auth is on and the socket has neither a token nor a room.
    public static let missingToken = CloseCode(4001, "Missing token")
    /// 4001: a socket admitted without a room token registered as a normal peer.
    public static let normalRequiresToken = CloseCode(4001, "Normal Client requires a room token")
    /// 4002: no `register` within `REGISTER_TIMEOUT`.
    public static let registrationTimeout = CloseCode(4002, "registration timeout")
    /// 4003: the room token failed verification.
    public static let invalidToken = CloseCode(4003, "Invalid or expired token")
    /// 4003: the room token was revoked (`POST /revoke`).
    public static let tokenRevoked = CloseCode(4003, "Token revoked")
    /// 4003: the room token's `exp` passed while the socket was open (`CLOSE_ON_TOKEN_EXPIRY`).
    public static let tokenExpired = CloseCode(4003, "Token expired")
    /// 4003: the `room` parameter differs from the token's subject.
    public static let roomMismatch = CloseCode(4003, "Room does not match token subject")
    /// 4003: a consumer registered while consumer auth is not configured.
    public static let consumerAuthNotConfigured = CloseCode(4003, "consumer auth not configured")
    /// 4003: a consumer registered without a token.
    public static let missingConsumerToken = CloseCode(4003, "missing consumer token")
    /// 4003: a consumer's token failed verification.
    public static let invalidConsumerToken = CloseCode(4003, "invalid consumer token")
    /// 4400: `room` or `nodeId` is empty, over 256 bytes, or holds a control character.
    public static let invalidRoomOrNodeId = CloseCode(4400, "invalid room or nodeId")
    /// 4409: a socket without a token asked for the nodeId of a member it may not replace.
    public static let nodeIdInUse = CloseCode(4409, "nodeId already in use")
    /// 4429: the room holds its maximum of sockets (`MAX_PEERS_PER_ROOM`).
    public static let roomFull = CloseCode(4429, "room is full")
}
