import NIOCore
import NIOWebSocket
import Signaling

/// Ends a host app's WebSocket when the server shuts down: sends close 1001
/// `server shutting down`, as `/signal` sockets get, and closes the connection, so graceful
/// shutdown does not wait on a handler that would otherwise never return.
final class WebSocketShutdownHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        let code = CloseCode.shuttingDown
        var data = context.channel.allocator.buffer(capacity: 2 + code.reason.utf8.count)
        data.writeInteger(code.code)
        data.writeString(code.reason)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)))
            .whenComplete { _ in channel.close(promise: nil) }
    }
}
