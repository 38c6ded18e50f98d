import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket
import Signaling

/// Hummingbird's per-connection channel for this server: `GET /signal` upgrades to a
/// WebSocket driven by a ``SignalSession`` handler; every other request goes to the router.
///
/// Modelled on HummingbirdWebSocket's `HTTP1WebSocketUpgradeChannel`, but the upgraded
/// pipeline is plain SwiftNIO (no `NIOAsyncChannel`, no task per socket): the relay path never
/// switches threads or tasks per message.
struct SignalChannel: ServerChildChannel, HTTPChannelHandler {
    /// What the connection became.
    enum Upgrade: Sendable {
        /// A `/signal` WebSocket; its session owns the channel from here on.
        case signal
        /// An ordinary HTTP connection for the router.
        case http(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
    }

    /// The negotiated connection.
    struct Value: ServerChildChannelValue {
        let upgrade: EventLoopFuture<Upgrade>
        let channel: any Channel
    }

    /// The path that upgrades.
    static let signalPath = "/signal"

    let service: SignalService
    let responder: HTTPChannelHandler.Responder

    init(service: SignalService, responder: @escaping HTTPChannelHandler.Responder) {
        self.service = service
        self.responder = responder
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let service = self.service
        return channel.eventLoop.makeCompletedFuture {
            let upgrader = NIOTypedWebSocketServerUpgrader<Upgrade>(
                maxFrameSize: service.configuration.maxMessageBytes,
                enableAutomaticErrorHandling: false,  // SignalSession.errorCaught answers decoder errors
                shouldUpgrade: { channel, head in
                    // At the socket limit the request falls through to the router, which answers 503.
                    let upgrade = SignalQuery.path(of: head.uri) == Self.signalPath && !service.isAtSocketLimit
                    return channel.eventLoop.makeSucceededFuture(upgrade ? HTTPHeaders() : nil)
                },
                upgradePipelineHandler: { channel, head in
                    channel.eventLoop.makeCompletedFuture {
                        let budget = service.configuration.maxOutboundBytes
                        try channel.syncOptions?.setOption(
                            ChannelOptions.writeBufferWaterMark, value: .init(low: budget / 2, high: budget))
                        // After the 101 has gone out: a refusal reaches the client as a close code.
                        let request = SignalQuery.admissionRequest(from: head.uri)
                        let machine = SignalSessionStateMachine(
                            admission: Admission.decide(request, verifier: service.tokenVerifier), request: request,
                            peer: SignalPeer(channel: channel), settings: service.sessionSettings)
                        let session = SignalSession(service: service, machine: machine)
                        try channel.pipeline.syncOperations.addHandler(session)
                        return .signal
                    }
                })
            var configuration = NIOUpgradableHTTPServerPipelineConfiguration<Upgrade>(
                upgradeConfiguration: .init(
                    upgraders: [upgrader],
                    notUpgradingCompletionHandler: { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                            try channel.pipeline.syncOperations.addHandler(
                                HTTPConnectionStateHandler(idleTimeout: .seconds(60), logger: logger))
                            return .http(
                                try NIOAsyncChannel(
                                    wrappingChannelSynchronously: channel,
                                    configuration: .init(isOutboundHalfClosureEnabled: true)))
                        }
                    }))
            configuration.enablePipelining = false
            configuration.enableErrorHandling = false
            configuration.enableResponseHeaderValidation = false
            let upgrade = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: configuration)
            return Value(upgrade: upgrade, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.upgrade.get() {
            case .signal:
                return  // the SignalSession handler drives the socket; no task waits on it
            case .http(let http):
                await handleHTTP(asyncChannel: http, logger: logger)
            }
        } catch {
            logger.debug("connection ended before it was negotiated", metadata: ["error": "\(error)"])
        }
    }
}
