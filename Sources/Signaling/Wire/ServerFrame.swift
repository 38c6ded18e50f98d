public import NIOCore

/// A frame the server sends on `/signal`.
public enum ServerFrame: Sendable, Equatable {
    /// `{"type":"peer-list","peers":[...]}`: the other registered normal peers of the room, and
    /// the socket's TURN credentials as `"iceServers":[...]` when TURN is on.
    case peerList([String], iceServers: IceServer? = nil)
    /// `{"type":"server-list","servers":[...]}`: normal peers a consumer may connect to, and the
    /// socket's TURN credentials as `"iceServers":[...]` when TURN is on.
    case serverList([String], iceServers: IceServer? = nil)
    /// `{"type":"auth-err","status":"UNAUTHENTICATED","message":...}`: a consumer was refused.
    case authError(String)
    /// `{"type":"error","code":...,"message":...}`: a frame was refused; the socket stays open.
    case error(SignalErrorCode, String)

    /// The frame's JSON text.
    public func encode(into buffer: inout ByteBuffer) {
        switch self {
        case .peerList(let peers, let iceServer):
            buffer.writeStaticString(#"{"type":"peer-list","peers":"#)
            Self.writeList(peers, into: &buffer)
            Self.writeIceServers(iceServer, into: &buffer)
        case .serverList(let servers, let iceServer):
            buffer.writeStaticString(#"{"type":"server-list","servers":"#)
            Self.writeList(servers, into: &buffer)
            Self.writeIceServers(iceServer, into: &buffer)
        case .authError(let message):
            buffer.writeStaticString(#"{"type":"auth-err","status":"UNAUTHENTICATED","message":"#)
            buffer.writeJSONString(message)
        case .error(let code, let message):
            buffer.writeStaticString(#"{"type":"error","code":"#)
            buffer.writeJSONString(code.rawValue)
            buffer.writeStaticString(#","message":"#)
            buffer.writeJSONString(message)
        }
        buffer.writeInteger(UInt8(ascii: "}"))
    }

    private static func writeIceServers(_ iceServer: IceServer?, into buffer: inout ByteBuffer) {
        guard let iceServer else { return }
        buffer.writeStaticString(#","iceServers":["#)
        iceServer.writeJSON(into: &buffer)
        buffer.writeInteger(UInt8(ascii: "]"))
    }

    private static func writeList(_ items: [String], into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "["))
        for (index, item) in items.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
            buffer.writeJSONString(item)
        }
        buffer.writeInteger(UInt8(ascii: "]"))
    }
}

/// The `code` of an `error` frame.
public enum SignalErrorCode: String, Sendable {
    /// The frame is not a valid message of this protocol.
    case badMessage = "BAD_MESSAGE"
    /// The `to` of a relayed frame is not in the room.
    case peerNotFound = "PEER_NOT_FOUND"
    /// A frame other than `register` came before `register`.
    case notRegistered = "NOT_REGISTERED"
    /// The socket sends faster than `MESSAGE_RATE`: its messages are dropped until the rate
    /// allows them again.
    case rateLimited = "RATE_LIMITED"
    /// The `to` of a relayed frame is connected to another instance, which cannot be reached
    /// now (the instances' shared Redis is down); the sender may retry.
    case unavailable = "UNAVAILABLE"
}
