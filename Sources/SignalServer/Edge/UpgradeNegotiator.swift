import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket
import Signaling

/// Decides from a connection's first request head what the connection becomes, and makes it so:
/// a `/signal` socket driven by a ``SignalSession``, a host app's WebSocket, or an HTTP
/// connection for the router.
///
/// Only a `GET` with `Upgrade: websocket` to a path that takes WebSockets upgrades; its faults
/// are answered in the JSON error shape (`400` without a usable `Sec-WebSocket-Key`, `426` for a
/// version other than 13, `503` while draining or at the socket limit, `403` for an origin
/// `ALLOWED_ORIGINS` does not list, `429`/`503` past a per-address or token-less budget) and the
/// connection is closed. Every other
/// request, `Upgrade` header or not, goes to the router unchanged, so it gets the answer it
/// would get without one.
///
/// Replaces NIO's `NIOTypedHTTPServerUpgradeHandler`, which drops the request head when a
/// request asks for an upgrade nobody takes, and answers a refused upgrade with nothing.
final class UpgradeNegotiator: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// What the connection became.
    enum Negotiated: Sendable {
        /// A `/signal` socket; its session owns the channel from here on.
        case signal
        /// A host app's WebSocket, for its handler.
        case webSocket(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, WebSocketUpgrade.Handler)
        /// An HTTP connection for the router.
        case http(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
    }

    /// Who takes an upgraded socket.
    private enum Target {
        case signal
        case host(HTTPFields, WebSocketUpgrade.Handler)
    }

    private enum State {
        case awaitingHead
        /// An upgrade was accepted; it happens when the request's end arrives.
        case awaitingEnd(HTTPRequestHead, Target)
        /// Switching protocols; bytes that arrive meanwhile wait for the WebSocket decoder.
        case upgrading(buffered: [NIOAny])
        case done
    }

    private let service: SignalService
    /// The connection's place in the socket budget, until someone else takes charge of it.
    private let slot: ConnectionSlot
    private let hostUpgrades: @Sendable (HTTPRequest, any Channel, Logger) -> WebSocketUpgrade
    private let logger: Logger
    /// The connection's id for log lines, handed on to its ``SignalSession``.
    private let connection: String
    private let encoder: HTTPResponseEncoder
    private let decoder: ByteToMessageHandler<HTTPRequestDecoder>
    private let requestGuard: RequestGuard
    private let promise: EventLoopPromise<Negotiated>
    private var state = State.awaitingHead
    /// The ``TokenlessBudget`` place of a `/signal` socket without a token, until its session takes it.
    private var tokenlessPlace: TokenlessPlace?

    /// The outcome; fails if the connection closes before one is reached.
    var negotiated: EventLoopFuture<Negotiated> { promise.futureResult }

    init(
        service: SignalService, slot: ConnectionSlot, hostUpgrades: @escaping @Sendable (HTTPRequest, any Channel, Logger) -> WebSocketUpgrade,
        logger: Logger, connection: String, encoder: HTTPResponseEncoder, decoder: ByteToMessageHandler<HTTPRequestDecoder>,
        requestGuard: RequestGuard, eventLoop: any EventLoop
    ) {
        self.service = service
        self.slot = slot
        self.hostUpgrades = hostUpgrades
        self.logger = logger
        self.connection = connection
        self.encoder = encoder
        self.decoder = decoder
        self.requestGuard = requestGuard
        self.promise = eventLoop.makePromise()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if case .done = state { return }
        state = .done
        slot.release()  // the connection ended before it became anything
        tokenlessPlace?.release()
        promise.fail(ChannelError.ioOnClosedChannel)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch state {
        case .awaitingHead:
            guard case .head(let head) = unwrapInboundIn(data) else {
                context.close(promise: nil)
                return
            }
            receivedHead(context: context, head, data)
        case .awaitingEnd(let head, let target):
            if case .end = unwrapInboundIn(data) {
                upgrade(context: context, head, to: target)
            }
        case .upgrading(var buffered):
            // Leftover bytes from the removed HTTP decoder: the first WebSocket frames.
            buffered.append(data)
            state = .upgrading(buffered: buffered)
        case .done:
            context.fireChannelRead(data)
        }
    }

    private func receivedHead(context: ChannelHandlerContext, _ head: HTTPRequestHead, _ data: NIOAny) {
        guard let target = upgradeTarget(of: head, channel: context.channel) else {
            becomeHTTP(context: context, data)
            return
        }
        let refusal: (error: SignalHTTPError, reason: String?)? =
            Self.handshakeFault(head).map { ($0, nil) }
            ?? service.upgradeRefusal.map { ($0, service.isDraining ? "draining" : "socket_limit") }
            ?? admissionRefusal(of: head, to: target, channel: context.channel)
        if let (refusal, reason) = refusal {
            if let reason { service.metrics?.admissionRefused(reason) }
            logger.debug(
                "refused a WebSocket upgrade",
                metadata: ["conn": .string(connection), "status": "\(refusal.status.code)", "reason": "\(refusal.message)"])
            state = .done
            slot.release()
            promise.fail(ChannelError.inputClosed)
            context.respondAndClose(refusal)
            return
        }
        state = .awaitingEnd(head, target)
    }

    /// Why this client may not open another socket, if it may not: a page of an origin
    /// `ALLOWED_ORIGINS` does not list (403), an address at `MAX_CONNECTIONS_PER_IP` (429), or for a
    /// `/signal` socket without a token (auth on), a full ``TokenlessBudget`` (503, or 429 for the
    /// address's share), with the refusal's `reason` label of `signal_admissions_refused_total`.
    /// Takes the token-less place when there is one.
    private func admissionRefusal(of head: HTTPRequestHead, to target: Target, channel: any Channel) -> (SignalHTTPError, reason: String?)? {
        let client = service.trustedProxies.client(peer: IPAddress(channel.remoteAddress), headers: head.headers)
        slot.attribute(to: client)
        if case .signal = target, !service.allowsOrigin(head.headers.first(name: "Origin")) {
            return (SignalService.originError, "origin")
        }
        if service.connectionsPerAddress.count(client) > service.configuration.maxConnectionsPerIP {
            return (SignalService.addressLimitError, "address_limit")
        }
        guard case .signal = target else { return nil }
        guard let budget = service.tokenlessBudget, SignalQuery.admissionRequest(from: head.uri).token?.isEmpty ?? true else { return nil }
        switch budget.take(for: client) {
        case .success(let place):
            tokenlessPlace = place
            return nil
        case .failure(.full):
            return (SignalService.tokenlessLimitError, "tokenless_limit")
        case .failure(.addressFull):
            return (SignalService.tokenlessAddressLimitError, "tokenless_address_limit")
        }
    }

    /// Who takes this request's upgrade, or `nil` when it goes to the router.
    private func upgradeTarget(of head: HTTPRequestHead, channel: any Channel) -> Target? {
        guard head.method == .GET, head.headers[canonicalForm: "upgrade"].contains(where: { $0.lowercased() == "websocket" })
        else { return nil }
        if SignalQuery.path(of: head.uri) == SignalChannel.signalPath { return .signal }
        guard let request = try? HTTPRequest(head, secure: service.configuration.tls != nil, splitCookie: false),
            case .upgrade(let headers, let handler) = hostUpgrades(request, channel, logger)
        else { return nil }
        return .host(headers, handler)
    }

    /// What is wrong with a WebSocket handshake request (RFC 6455 § 4.2.1), if anything.
    static func handshakeFault(_ head: HTTPRequestHead) -> SignalHTTPError? {
        let versions = head.headers["Sec-WebSocket-Version"]
        guard versions.count == 1, versions[0] == "13" else {
            return SignalHTTPError(
                .upgradeRequired, "Sec-WebSocket-Version must be 13", headers: [.secWebSocketVersion: "13"])
        }
        let keys = head.headers["Sec-WebSocket-Key"]
        guard keys.count == 1, let key = Base64.decode(keys[0], variant: .standard), key.count == 16 else {
            return SignalHTTPError(.badRequest, "Sec-WebSocket-Key must be 16 bytes in base64")
        }
        return nil
    }

    /// Hands the connection to Hummingbird's HTTP handling, starting with this head.
    private func becomeHTTP(context: ChannelHandlerContext, _ head: NIOAny) {
        do {
            let pipeline = context.pipeline.syncOperations
            if let tokenEndpoint = service.tokenEndpoint {
                try pipeline.addHandler(TokenMintingHandler(endpoint: tokenEndpoint, trustedProxies: service.trustedProxies))
            }
            try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: service.configuration.tls != nil))
            // The RequestGuard closes idle connections; this one finishes them on shutdown.
            try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: nil, logger: logger))
            let http = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                wrappingChannelSynchronously: context.channel, configuration: .init(isOutboundHalfClosureEnabled: true))
            slot.release(whenClosed: context.channel)
            state = .done
            promise.succeed(.http(http))
            context.fireChannelRead(head)
            pipeline.removeHandler(context: context, promise: nil)
        } catch {
            state = .done
            slot.release()
            promise.fail(error)
            context.close(promise: nil)
        }
    }

    /// Sends the `101`, swaps the HTTP handlers for WebSocket ones and the target's handler,
    /// then passes on whatever arrived behind the request.
    private func upgrade(context: ChannelHandlerContext, _ head: HTTPRequestHead, to target: Target) {
        state = .upgrading(buffered: [])
        let service = self.service
        let slot = self.slot
        let connection = self.connection
        let tokenlessPlace = self.tokenlessPlace
        let upgrader: NIOTypedWebSocketServerUpgrader<Negotiated>
        switch target {
        case .signal:
            upgrader = NIOTypedWebSocketServerUpgrader(
                maxFrameSize: service.configuration.maxMessageBytes,
                enableAutomaticErrorHandling: false,  // SignalSession.errorCaught answers decoder errors
                shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture(HTTPHeaders()) },
                upgradePipelineHandler: { channel, head in
                    channel.eventLoop.makeCompletedFuture {
                        let budget = service.configuration.maxOutboundBytes
                        try channel.syncOptions?.setOption(
                            ChannelOptions.writeBufferWaterMark, value: .init(low: budget / 2, high: budget))
                        // After the 101 has gone out: a refusal reaches the client as a close code.
                        let request = SignalQuery.admissionRequest(from: head.uri)
                        let machine = SignalSessionStateMachine(
                            admission: service.admission(for: request), request: request,
                            peer: SignalPeer(channel: channel), settings: service.sessionSettings)
                        try channel.pipeline.syncOperations.addHandler(
                            SignalSession(
                                service: service, connectionCount: slot.handOver(), tokenlessPlace: tokenlessPlace, machine: machine,
                                connection: connection, eventLoopMetrics: service.metrics?.eventLoopMetrics(for: channel.eventLoop)))
                        return .signal
                    }
                })
        case .host(let headers, let handler):
            upgrader = NIOTypedWebSocketServerUpgrader(
                maxFrameSize: service.configuration.maxMessageBytes,
                shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture(HTTPHeaders(headers)) },
                upgradePipelineHandler: { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(WebSocketShutdownHandler())
                        slot.release(whenClosed: channel)
                        let socket = try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(
                            wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                        return .webSocket(socket, handler)
                    }
                })
        }
        let channel = context.channel
        let pipeline = context.pipeline
        // The guard first: the decoder's leftover bytes must come here, not through it.
        pipeline.syncOperations.removeHandler(requestGuard, promise: nil)
        pipeline.syncOperations.removeHandler(decoder)
            .flatMap { upgrader.buildUpgradeResponse(channel: channel, upgradeRequest: head, initialResponseHeaders: HTTPHeaders()) }
            .assumeIsolated()
            .flatMap { headers in
                context.writeAndFlush(self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .switchingProtocols, headers: headers))))
            }
            .flatMap { pipeline.syncOperations.removeHandler(self.encoder) }
            .flatMap { upgrader.upgrade(channel: channel, upgradeRequest: head) }
            .whenComplete { result in self.finishUpgrade(context: context, result) }
    }

    private func finishUpgrade(context: ChannelHandlerContext, _ result: Result<Negotiated, any Error>) {
        guard case .upgrading(let buffered) = state else { return }
        state = .done
        switch result {
        case .success(let negotiated):
            promise.succeed(negotiated)
            for data in buffered { context.fireChannelRead(data) }
            if !buffered.isEmpty { context.fireChannelReadComplete() }
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        case .failure(let error):
            logger.debug("WebSocket upgrade failed", metadata: ["conn": .string(connection), "error": "\(error)"])
            slot.release()
            tokenlessPlace?.release()
            promise.fail(error)
            context.close(promise: nil)
        }
    }
}
