import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import SignalServer
import NIOConcurrencyHelpers

/// The ceiling of our stack on this machine: a bare SwiftNIO WebSocket forwarder with no
/// JSON, no auth and no registry beyond pairing sockets by room. Its first reply is a fixed
/// `peer-list`; every later text frame goes to the other socket of the room with
/// `{"from":"<nodeId>",` spliced in front, the least a signaling relay must do.
enum BaselineForwarder {
    /// Listens on `host:port` until the process ends.
    static func run(host: String, port: Int, group: MultiThreadedEventLoopGroup) async throws {
        let rooms = BaselineRooms()
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: 1 << 20,
            shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture(HTTPHeaders()) },
            upgradePipelineHandler: { channel, head in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(BaselineSocket(uri: head.uri, rooms: rooms))
                }
            })
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(ChannelOptions.backlog, value: 1024)
            .childChannelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline(
                    withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
            }
            .bind(host: host, port: port).get()
        FileHandle.standardOutput.write(Data("baseline forwarder listening on \(host):\(server.localAddress?.port ?? port)\n".utf8))
        try await server.closeFuture.get()
    }
}

/// Sockets by room and nodeId.
final class BaselineRooms: Sendable {
    private let rooms = NIOLockedValueBox<[String: [String: any Channel]]>([:])

    func join(room: String, nodeId: String, channel: any Channel) {
        rooms.withLockedValue { $0[room, default: [:]][nodeId] = channel }
    }

    func other(room: String, than nodeId: String) -> (any Channel)? {
        rooms.withLockedValue { $0[room]?.first { $0.key != nodeId }?.value }
    }

    func leave(room: String, nodeId: String) {
        rooms.withLockedValue { rooms in
            rooms[room]?.removeValue(forKey: nodeId)
            if rooms[room]?.isEmpty == true { rooms.removeValue(forKey: room) }
        }
    }
}

private final class BaselineSocket: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let room: String
    private let nodeId: String
    private let rooms: BaselineRooms
    private let prefix: ByteBuffer
    private var registered = false

    init(uri: String, rooms: BaselineRooms) {
        var room = "", nodeId = ""
        for pair in uri.split(separator: "?").last?.split(separator: "&") ?? [] {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2, parts[0] == "room" { room = parts[1] }
            if parts.count == 2, parts[0] == "nodeId" { nodeId = parts[1] }
        }
        self.room = room
        self.nodeId = nodeId
        self.rooms = rooms
        self.prefix = ByteBuffer(string: #"{"from":"\#(nodeId)","#)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        rooms.join(room: room, nodeId: nodeId, channel: context.channel)
    }

    func channelInactive(context: ChannelHandlerContext) {
        rooms.leave(room: room, nodeId: nodeId)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            if !registered {
                registered = true
                let reply = ByteBuffer(string: #"{"type":"peer-list","peers":[]}"#)
                context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: reply)), promise: nil)
                return
            }
            var stamped = context.channel.allocator.buffer(capacity: prefix.readableBytes + frame.data.readableBytes)
            stamped.writeImmutableBuffer(prefix)
            // The same eight-bytes-at-a-time unmasking as the server, so the ratio compares designs.
            stamped.writeWebSocketUnmasked(frame.data, maskKey: frame.maskKey)
            stamped.setInteger(UInt8(ascii: " "), at: prefix.readableBytes)  // the client's opening brace
            rooms.other(room: room, than: nodeId)?.writeAndFlush(WebSocketFrame(fin: true, opcode: .text, data: stamped), promise: nil)
        case .connectionClose:
            context.close(promise: nil)
        default:
            break
        }
    }
}
