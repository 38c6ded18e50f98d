public import NIOCore
import NIOWebSocket
public import Signaling

/// The directory's handle for one `/signal` socket of this process: how other sockets reach it.
///
/// Safe to use from any event loop: writes and closes go through the channel, which hops to
/// the socket's own loop when needed. All per-socket state stays in its ``SignalSession``.
public final class SignalPeer: PeerConnection {
    private let channel: any Channel

    init(channel: any Channel) {
        self.channel = channel
    }

    /// Sends a relayed or server frame (JSON text).
    ///
    /// A socket over its outbound budget is already being closed as a slow consumer; frames
    /// for it are dropped so that a peer that does not read cannot grow our memory.
    public func deliver(_ text: ByteBuffer) {
        guard channel.isWritable else { return }
        channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .text, data: text), promise: nil)
    }

    /// Asks the socket's session to close with `code` (on the socket's own event loop).
    public func close(_ code: CloseCode) {
        channel.pipeline.fireUserInboundEventTriggered(SignalSession.CloseRequest(code: code))
    }

    /// Hands the session the list that answers its register (on the socket's own event loop).
    public func listReady(_ nodeIds: [String]) {
        channel.pipeline.fireUserInboundEventTriggered(SignalSession.ListReady(nodeIds: nodeIds))
    }
}
