import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import TestServices

/// A TLS handshake with the server and nothing else: which certificate does a new connection
/// get, and does a client with a given trust store accept it?
enum TLSHandshake {
    /// Connects to `127.0.0.1:port`, completes the handshake with `context` (which decides what
    /// is trusted) and returns the certificate the server presented; fails when the handshake
    /// does, or has not completed after `seconds`.
    static func peerCertificate(port: Int, context: NIOSSLContext, within seconds: Double = 10) async throws -> NIOSSLCertificate? {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(
                        NIOSSLClientHandler(context: context, serverHostname: nil), HandshakeWaiter(eventLoop: channel.eventLoop))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        defer { channel.close(promise: nil) }
        let waiter = try await channel.pipeline.handler(type: HandshakeWaiter.self).get()
        try await withDeadline(seconds: seconds, "the TLS handshake") { try await waiter.completed.get() }
        return try await channel.nioSSL_peerCertificate().get()
    }
}

/// Completes when the TLS handshake does, fails with the error that ends it.
private final class HandshakeWaiter: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    private let promise: EventLoopPromise<Void>

    init(eventLoop: any EventLoop) { promise = eventLoop.makePromise() }

    var completed: EventLoopFuture<Void> { promise.futureResult }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event { promise.succeed() }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(ChannelError.ioOnClosedChannel)
        context.fireChannelInactive()
    }
}
