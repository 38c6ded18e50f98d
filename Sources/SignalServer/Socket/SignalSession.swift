import Logging
import NIOCore
import NIOWebSocket
import Signaling

/// One `/signal` socket after the upgrade: admission, registration, relay, pings, close.
///
/// A plain SwiftNIO handler on the socket's event loop: it owns all of the socket's state,
/// never awaits, and touches shared state only through ``RoomRegistry``'s short critical
/// sections. Admission (an Ed25519 verify, ~50 µs) is decided synchronously during the
/// upgrade, before this handler reads anything, so frames that arrive with or right after the
/// upgrade are handled after it, in order, and never dropped.
final class SignalSession: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    /// Asks a session to close with a code; sent by other sockets through ``SignalPeer``.
    struct CloseRequest: Sendable {
        let code: CloseCode
    }

    /// How long a closing socket waits for the client's close frame before dropping it.
    static let closeHandshakeTimeout = TimeAmount.seconds(5)

    private enum State {
        case open
        case closing
        case closed
    }

    private let service: SignalService
    /// Set when admission refused the socket: it is closed with this as soon as it is added.
    private var refusal: CloseCode?
    private var peer: SignalPeer!
    private var state = State.open
    private var room = ""
    private var nodeId = ""
    private var isAdmitted = false
    private var authorized = false
    private var role: PeerRole?
    private var splice: RelaySplice?
    private var partialMessage: ByteBuffer?
    // One timer per socket, for both the register deadline and the next ping: a scheduled
    // callback costs no promise and no closure, which matters at 19,000 idle sockets.
    private var timer: NIOScheduledCallback?
    private var timerContext: ChannelHandlerContext?
    private var registerDeadline = NIODeadline.distantFuture
    private var nextPing = NIODeadline.distantFuture
    private var closeTimer: Scheduled<Void>?
    private var lastHeard = NIODeadline.now()
    private var closeCode: CloseCode?

    /// A session for a socket whose admission was decided when it upgraded (only the decision
    /// is kept: an idle socket does not carry its token).
    init(service: SignalService, admission: Admission) {
        self.service = service
        switch admission {
        case .refuse(let code):
            refusal = code
        case .admit(let room, let nodeId, let authorized):
            self.room = room
            self.nodeId = nodeId
            self.authorized = authorized
        }
    }

    // MARK: - Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        peer = SignalPeer(channel: context.channel)
        service.socketOpened()
        if let refusal {
            close(context: context, refusal)
            return
        }
        switch service.registry.admit(peer, room: room, nodeId: nodeId, mayReplaceRegistered: authorized) {
        case .nodeIdInUse:
            close(context: context, .nodeIdInUse)
        case .admitted(let replaced):
            isAdmitted = true
            replaced?.close(.replaced)
            service.logger.info("socket opened", metadata: ["room": "\(room)", "nodeId": "\(nodeId)"])
            scheduleTimers(context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        state = .closed
        leaveRoom()
        closeTimer?.cancel()
        service.socketClosed()
        if isAdmitted {
            service.logger.info(
                "socket closed",
                metadata: ["room": "\(room)", "nodeId": "\(nodeId)", "code": "\(closeCode?.code ?? 1006)"])
        }
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let request = event as? CloseRequest {
            close(context: context, request.code)
        } else if event is ChannelShouldQuiesceEvent {
            close(context: context, .shuttingDown)
        } else if case ChannelEvent.inputClosed = event {
            // Hummingbird allows half-closure; a client that drops TCP without a close frame
            // shows up here, not as channelInactive, so end the socket now.
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        // Over MAX_OUTBOUND_BYTES (the high water mark): this peer does not read.
        if !context.channel.isWritable {
            close(context: context, .slowConsumer)
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        service.logger.debug("socket error", metadata: ["nodeId": "\(nodeId)", "error": "\(error)"])
        // The frame decoder's errors end the socket with the close code RFC 6455 names (this
        // handler does the job of NIO's WebSocketProtocolErrorHandler, one pipeline step less
        // per frame). The decoder cannot read on after them, so no close reply is awaited.
        guard let error = error as? NIOWebSocketError, state == .open else {
            context.close(promise: nil)
            return
        }
        let code = error == .invalidFrameLength ? CloseCode.messageTooLarge : CloseCode(1002, "protocol error")
        state = .closing
        closeCode = code
        leaveRoom()
        context.writeAndFlush(wrapOutboundOut(closeFrame(context: context, code)))
            .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    // MARK: - Frames

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        lastHeard = .now()
        switch frame.opcode {
        case .connectionClose:
            receivedClose(context: context, frame)
        case _ where state != .open:
            return
        case .text:
            if partialMessage != nil {
                // RFC 6455 § 5.4: a new message may not start inside a fragmented one.
                close(context: context, CloseCode(1002, "text frame inside a fragmented message"))
                return
            }
            receive(context: context, frame, into: messageBuffer(context: context, capacity: frame.data.readableBytes))
        case .continuation:
            guard let message = partialMessage else {
                close(context: context, CloseCode(1002, "continuation frame without a message"))
                return
            }
            partialMessage = nil  // keeps `message` uniquely referenced while it grows
            guard message.readableBytes + frame.data.readableBytes <= service.configuration.maxMessageBytes else {
                close(context: context, .messageTooLarge)
                return
            }
            receive(context: context, frame, into: message)
        case .binary:
            close(context: context, .binaryFrame)
        case .ping:
            context.writeAndFlush(
                wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        default:
            return  // pong: only `lastHeard` matters
        }
    }

    /// Adds a text or continuation frame's payload to `message`, and handles the message when
    /// the frame ends it.
    private func receive(context: ChannelHandlerContext, _ frame: WebSocketFrame, into message: consuming ByteBuffer) {
        message.writeWebSocketUnmasked(frame.data, maskKey: frame.maskKey)
        if frame.fin {
            handleMessage(context: context, message)
        } else {
            partialMessage = message
        }
    }

    /// Room for the largest server frame header (10 bytes) in front of a relayed message.
    private static let frameHeaderRoom = 10

    /// A buffer for an incoming message with free bytes in front of it, so that a relayed
    /// message can be stamped and sent from where it lies (``RelaySplice/stampInPlace``).
    private func messageBuffer(context: ChannelHandlerContext, capacity: Int) -> ByteBuffer {
        let headroom = Self.frameHeaderRoom + (splice?.prefixLength ?? 0)
        var buffer = context.channel.allocator.buffer(capacity: headroom + capacity)
        buffer.moveWriterIndex(forwardBy: headroom)
        buffer.moveReaderIndex(forwardBy: headroom)
        return buffer
    }

    private func handleMessage(context: ChannelHandlerContext, _ message: consuming ByteBuffer) {
        let decoded = message.withUnsafeReadableBytes { bytes in
            Result { () throws(ClientFrameError) in try ClientFrameDecoder.decode(bytes) }
        }
        switch decoded {
        case .failure(.invalidUTF8):
            close(context: context, .invalidUTF8)
        case .failure(.badMessage(let reason)):
            send(context: context, .error(.badMessage, reason))
        case .success(.register(let registration)):
            register(context: context, registration)
        case .success(.heartbeat(let heartbeat)):
            service.registry.heartbeat(peer, room: room, nodeId: nodeId, heartbeat)
        case .success(.relay(let envelope)):
            relay(context: context, message, envelope)
        }
    }

    private func relay(context: ChannelHandlerContext, _ message: consuming ByteBuffer, _ envelope: RelayEnvelope) {
        guard let role, let splice else {
            send(context: context, .error(.notRegistered, "register before sending \(envelope.kind.rawValue)"))
            return
        }
        switch service.registry.route(from: role, room: room, to: envelope.target) {
        case .deliver(let target):
            var frame = message
            if !splice.stampInPlace(&frame, envelope: envelope, keepingHeadroom: Self.frameHeaderRoom) {
                var copy = context.channel.allocator.buffer(capacity: frame.readableBytes + splice.overhead)
                frame.withUnsafeReadableBytes { splice.write($0, envelope: envelope, into: &copy) }
                frame = copy
            }
            target.deliver(frame)
        case .peerNotFound:
            send(context: context, .error(.peerNotFound, "Peer \(envelope.target) is not connected"))
        case .refused:
            return  // consumer to consumer: never relayed, silently, as the JS server does
        }
    }

    // MARK: - Registration

    private func register(context: ChannelHandlerContext, _ registration: Registration) {
        guard role == nil else { return }  // later registers are ignored
        let list: ServerFrame?
        switch registration.role {
        case .consumer:
            if service.tokenVerifier != nil, let refusal = consumerRefusal(token: registration.token) {
                send(context: context, .authError(refusal.message))
                close(context: context, refusal.close)
                return
            }
            list = service.registry.registerConsumer(peer, room: room, nodeId: nodeId).map(ServerFrame.serverList)
        case .normal:
            guard authorized else {
                close(context: context, .normalRequiresToken)
                return
            }
            list = service.registry
                .registerNormal(peer, room: room, nodeId: nodeId, serveConsumers: registration.serveConsumers, capacity: registration.capacity)
                .map(ServerFrame.peerList)
        }
        guard let list else { return }  // replaced while pending
        role = registration.role
        splice = RelaySplice(sender: nodeId, role: registration.role)
        send(context: context, list)
    }

    /// With auth on, a consumer's `register` must carry an identity-provider token that
    /// verifies against `CONSUMER_PUBLIC_KEY_JWK`. Returns the `auth-err` message and close
    /// code SPEC § Roles and frames names when it does not, `nil` when the consumer may register.
    /// Verification runs here on the event loop: one signature check, once per socket.
    private func consumerRefusal(token: String?) -> (message: String, close: CloseCode)? {
        guard let verifier = service.consumerTokenVerifier else {
            return ("consumer authentication is not configured on this server", .consumerAuthNotConfigured)
        }
        guard let token, !token.isEmpty else { return ("missing consumer token", .missingConsumerToken) }
        do {
            _ = try verifier.verify(token)
            return nil
        } catch {
            service.logger.debug(
                "consumer token refused", metadata: ["room": "\(room)", "nodeId": "\(nodeId)", "reason": "\(error)"])
            return ("invalid or expired consumer token", .invalidConsumerToken)
        }
    }

    // MARK: - Output and closing

    private func send(context: ChannelHandlerContext, _ frame: ServerFrame) {
        var buffer = context.channel.allocator.buffer(capacity: 64)
        frame.encode(into: &buffer)
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: buffer)), promise: nil)
    }

    /// Starts the closing handshake with `code`: leaves the room at once, sends the close
    /// frame, and drops the connection when the client answers or after a timeout.
    private func close(context: ChannelHandlerContext, _ code: CloseCode) {
        guard state == .open else { return }
        state = .closing
        closeCode = code
        leaveRoom()
        context.writeAndFlush(wrapOutboundOut(closeFrame(context: context, code)), promise: nil)
        let channel = context.channel
        closeTimer = context.eventLoop.scheduleTask(in: Self.closeHandshakeTimeout) { channel.close(promise: nil) }
    }

    private func closeFrame(context: ChannelHandlerContext, _ code: CloseCode) -> WebSocketFrame {
        var data = context.channel.allocator.buffer(capacity: 2 + code.reason.utf8.count)
        data.writeInteger(code.code)
        data.writeString(code.reason)
        return WebSocketFrame(fin: true, opcode: .connectionClose, data: data)
    }

    private func receivedClose(context: ChannelHandlerContext, _ frame: WebSocketFrame) {
        if state == .open {
            // The client closes: echo its code (RFC 6455 § 5.5.1), then drop the connection.
            var data = frame.unmaskedData
            let code = data.readInteger(as: UInt16.self) ?? 1000
            state = .closing
            closeCode = CloseCode(code, "")
            leaveRoom()
            var reply = context.channel.allocator.buffer(capacity: 2)
            reply.writeInteger(code)
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: reply)))
                .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        } else {
            context.close(promise: nil)
        }
    }

    private func leaveRoom() {
        timer?.cancel()
        timer = nil
        timerContext = nil
        if isAdmitted {
            service.registry.remove(peer, room: room, nodeId: nodeId)
        }
    }

    // MARK: - Timers

    private var pingInterval: TimeAmount { .seconds(Int64(service.configuration.pingInterval.seconds)) }

    private func scheduleTimers(context: ChannelHandlerContext) {
        let now = NIODeadline.now()
        registerDeadline = now + .seconds(Int64(service.configuration.registerTimeout.seconds))
        nextPing = now + pingInterval
        timerContext = context
        armTimer(context: context)
    }

    /// Schedules the timer for the register deadline (until the socket registers) or the next ping.
    private func armTimer(context: ChannelHandlerContext) {
        let due = role == nil ? min(registerDeadline, nextPing) : nextPing
        timer = try? context.eventLoop.assumeIsolated().scheduleCallback(at: due, handler: self)
    }
}

extension SignalSession: NIOScheduledCallbackHandler {
    /// The register deadline (close 4002) or a ping (close when the peer has been silent for two
    /// intervals), then the timer is armed again.
    func handleScheduledCallback(eventLoop: some EventLoop) {
        guard state == .open, let context = timerContext else { return }
        let now = NIODeadline.now()
        if role == nil && now >= registerDeadline {
            close(context: context, .registrationTimeout)
            return
        }
        if now >= nextPing {
            if now - lastHeard >= pingInterval * 2 {
                close(context: context, .pingTimeout)
                return
            }
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer())), promise: nil)
            nextPing = now + pingInterval
        }
        armTimer(context: context)
    }
}
