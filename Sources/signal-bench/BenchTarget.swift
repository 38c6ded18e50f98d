import NIOCore
import NIOPosix
import Signaling

/// Where the load goes, and how sockets are admitted there.
struct BenchTarget: Sendable {
    /// What kind of server listens.
    enum Kind: Sendable {
        /// signal-server with auth on: the generator mints room tokens with the server's key.
        case signalServer(TokenIssuer)
        /// signal-server with `AUTH_DISABLED=true`.
        case signalServerWithoutAuth
        /// The bare forwarder of `signal-bench baseline-server`.
        case baseline

        /// A name for reports.
        var name: String {
            if case .baseline = self { return "baseline" }
            return "signal-server"
        }
    }

    let host: String
    let port: Int
    let kind: Kind
    let server: ServerProcess?
    let group: MultiThreadedEventLoopGroup

    /// The request target that admits `nodeId` to `room`.
    func target(room: String, nodeId: String) -> String {
        switch kind {
        case .signalServer(let issuer):
            let token = issuer.issue(subject: room, timeToLive: TimeToLive(seconds: 3600)).token
            return "/signal?token=\(token)&nodeId=\(nodeId)"
        case .signalServerWithoutAuth:
            return "/signal?room=\(room)&nodeId=\(nodeId)"
        case .baseline:
            return "/?room=\(room)&nodeId=\(nodeId)"
        }
    }

    /// Connects a raw WebSocket for `delegate` (the delegate is then confined to its channel's loop).
    func connect(room: String, nodeId: String, delegate: some RawWebSocket.Delegate & Sendable) -> EventLoopFuture<any Channel> {
        connect(requestTarget: target(room: room, nodeId: nodeId), delegate: delegate)
    }

    /// Connects a raw WebSocket to a prepared request target.
    func connect(requestTarget: String, delegate: some RawWebSocket.Delegate & Sendable) -> EventLoopFuture<any Channel> {
        let (host, port) = (self.host, self.port)
        return ClientBootstrap(group: group)
            .channelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        RawWebSocket(host: host, port: port, target: requestTarget, delegate: delegate))
                }
            }
            .connect(host: host, port: port)
    }
}

/// `{"type":"register","role":"normal"}` as a prepared frame.
let registerFrame = RawWebSocket.maskedTextFrame(#"{"type":"register","role":"normal"}"#)
