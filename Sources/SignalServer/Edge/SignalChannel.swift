import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import Signaling

/// Hummingbird's per-connection channel for this server: `GET /signal` upgrades to a
/// WebSocket driven by a ``SignalSession`` handler, a host app's WebSocket paths upgrade to its
/// own handlers, and every other request goes to the router.
///
/// Every connection counts against the service's socket budget from the moment it is accepted,
/// and lives under a ``RequestGuard`` until it upgrades. With TLS configured, a TLS handler at
/// the front of the pipeline takes the certificate of the moment (``ReloadableTLSContext``); the
/// guard's deadline runs from the accept, so it bounds the handshake too. The upgraded `/signal`
/// pipeline is plain SwiftNIO (no `NIOAsyncChannel`, no task per socket): the relay path never
/// switches threads or tasks per message.
struct SignalChannel: ServerChildChannel, HTTPChannelHandler {
    /// The negotiated connection.
    struct Value: ServerChildChannelValue {
        let negotiated: EventLoopFuture<UpgradeNegotiator.Negotiated>
        let channel: any Channel
        /// The connection's id for log lines (`conn`).
        let connection: String
    }

    /// The path that upgrades to a signaling socket.
    static let signalPath = "/signal"

    let service: SignalService
    let responder: HTTPChannelHandler.Responder
    let hostUpgrades: @Sendable (HTTPRequest, any Channel, Logger) -> WebSocketUpgrade

    init(
        service: SignalService, responder: @escaping HTTPChannelHandler.Responder,
        hostUpgrades: @escaping @Sendable (HTTPRequest, any Channel, Logger) -> WebSocketUpgrade
    ) {
        self.service = service
        self.responder = responder
        self.hostUpgrades = hostUpgrades
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let service = self.service
        let slot = ConnectionSlot(service: service, address: IPAddress(channel.remoteAddress))
        let connection = service.newConnectionID()
        return channel.eventLoop.makeCompletedFuture {
            let configuration = service.configuration
            var limits = NIOHTTPDecoderLimitConfiguration()
            limits.maxHeaderFieldSize = configuration.requestHeadMaxBytes
            limits.maxHeaderListSize = configuration.requestHeadMaxBytes
            let encoder = HTTPResponseEncoder()
            let decoder = ByteToMessageHandler(
                HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes, limitConfiguration: limits))
            let requestGuard = RequestGuard(
                timeout: .seconds(Int64(configuration.requestTimeout.seconds)), headMaxBytes: configuration.requestHeadMaxBytes,
                logger: logger, connection: connection)
            let negotiator = UpgradeNegotiator(
                service: service, slot: slot, hostUpgrades: hostUpgrades, logger: logger, connection: connection, encoder: encoder,
                decoder: decoder,
                requestGuard: requestGuard, eventLoop: channel.eventLoop)
            if let tls = configuration.tls {
                try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls.context))
            }
            try channel.pipeline.syncOperations.addHandlers(encoder, decoder, requestGuard, negotiator)
            return Value(negotiated: negotiator.negotiated, channel: channel, connection: connection)
        }
    }

    func handle(value: Value, logger: Logger) async {
        let negotiated: UpgradeNegotiator.Negotiated
        do {
            // Shutdown cancels this task; closing the channel ends the wait (the negotiation fails).
            negotiated = try await withTaskCancellationHandler {
                try await value.negotiated.get()
            } onCancel: {
                value.channel.close(promise: nil)
            }
        } catch {
            logger.debug(
                "connection ended before it was negotiated", metadata: ["conn": .string(value.connection), "error": "\(error)"])
            return
        }
        switch negotiated {
        case .signal:
            return  // the SignalSession handler drives the socket; no task waits on it
        case .webSocket(let socket, let handler):
            do {
                try await withTaskCancellationHandler {
                    try await handler(socket, logger)
                } onCancel: {
                    value.channel.close(promise: nil)
                }
            } catch {
                logger.debug(
                    "host WebSocket handler ended with an error", metadata: ["conn": .string(value.connection), "error": "\(error)"])
            }
            try? await value.channel.close()
        case .http(let http):
            await handleHTTP(asyncChannel: http, logger: logger)
        }
    }
}
