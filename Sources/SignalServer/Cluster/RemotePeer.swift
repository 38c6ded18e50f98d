import NIOCore
import RedisClient
import Signaling

/// The directory's handle for a member held by another instance: a relay to it is published on
/// that instance's channel (``ClusterKeys/instance(_:)``), already stamped, and that instance
/// writes it to the socket.
///
/// The message is `<room>\n<nodeId>\n<frame>`; room and nodeId never hold a control character.
final class RemotePeer: PeerConnection {
    private static let publish = ByteBuffer(string: "PUBLISH")
    private let commands: RedisConnection
    private let channel: ByteBuffer
    private let header: ByteBuffer

    /// The handle for `nodeId` of `room`, held by instance `instance`.
    init(room: String, nodeId: String, instance: String, commands: RedisConnection) {
        self.commands = commands
        self.channel = ClusterKeys.instance(instance)
        self.header = ByteBuffer(string: "\(room)\n\(nodeId)\n")
    }

    /// Publishes the stamped frame to the holder's instance; lost, like any relay to a peer that
    /// left, when Redis is unreachable (the route answers `UNAVAILABLE` then).
    func deliver(_ text: ByteBuffer) {
        var message = ByteBufferAllocator().buffer(capacity: header.readableBytes + text.readableBytes)
        message.writeImmutableBuffer(header)
        message.writeImmutableBuffer(text)
        commands.sendIgnoringReply([Self.publish, channel, message])
    }

    /// Nothing: a remote member is closed by the instance that holds it, which learns of a
    /// replacement or a revocation from Redis, never through this handle.
    func close(_ code: CloseCode) {}

    /// Nothing: lists are answered to the instance's own sockets only.
    func listReady(_ nodeIds: [String]) {}

    /// Splits a message published on an instance's channel into the room, the nodeId and the frame.
    static func parse(_ message: ByteBuffer) -> (room: String, nodeId: String, frame: ByteBuffer)? {
        let bytes = message.readableBytesView
        guard let first = bytes.firstIndex(of: UInt8(ascii: "\n")),
            let second = bytes[(first + 1)...].firstIndex(of: UInt8(ascii: "\n"))
        else { return nil }
        let room = String(decoding: bytes[bytes.startIndex..<first], as: UTF8.self)
        let nodeId = String(decoding: bytes[(first + 1)..<second], as: UTF8.self)
        guard let frame = message.getSlice(at: second + 1, length: bytes.endIndex - second - 1) else { return nil }
        return (room, nodeId, frame)
    }
}
