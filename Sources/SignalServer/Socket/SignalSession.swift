import Foundation
import Logging
import NIOCore
import NIOWebSocket
import Signaling

/// One `/signal` socket after the upgrade: the SwiftNIO adapter of a
/// ``SignalSessionStateMachine``.
///
/// It turns what happens on the channel into the machine's events and carries out the actions
/// the machine returns; every protocol decision is the machine's. It runs on the socket's event
/// loop, never awaits, and reassembles fragmented messages straight into a buffer with room in
/// front for the relay stamp. Admission (an Ed25519 verify) was decided during the upgrade,
/// before this handler reads anything, so frames that arrive with or right after the upgrade are
/// handled after it, in order, and never dropped.
final class SignalSession: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    /// Asks a session to close with a code; sent by other sockets through ``SignalPeer``.
    struct CloseRequest: Sendable {
        let code: CloseCode
    }

    /// The list that answers the socket's register, from a directory that deferred it.
    struct ListReady: Sendable {
        let nodeIds: [String]
    }

    private let service: SignalService
    /// The connection's place in the socket budget, which this session gives back when the
    /// socket goes inactive (see ``ConnectionSlot/handOver()``); `nil` when it does not own one.
    private let connectionCount: ConnectionSlot.Counted?
    /// The place of a socket admitted without a token in the service's ``TokenlessBudget``,
    /// held until it closes or registers as a consumer with a valid consumer token.
    private let tokenlessPlace: TokenlessPlace?
    /// The connection's id for log lines (`conn`).
    private let connection: String
    private var machine: SignalSessionStateMachine
    private var partialMessage: ByteBuffer?
    // One timer per socket for the register deadline, the pings and the closing handshake: a
    // scheduled callback costs no promise and no closure, which matters at 19,000 idle sockets.
    private var timer: NIOScheduledCallback?
    private var context: ChannelHandlerContext?
    /// The per-message counters of this socket's event loop; `nil` with `METRICS=false`.
    private let eventLoopMetrics: EventLoopMetrics?
    /// The role counted in `signal_registered_peers` for this socket, once it registered.
    private var countedRole: PeerRole?

    /// A session for a socket whose admission was decided when it upgraded.
    init(
        service: SignalService, connectionCount: ConnectionSlot.Counted?, tokenlessPlace: TokenlessPlace?,
        machine: SignalSessionStateMachine, connection: String, eventLoopMetrics: EventLoopMetrics?
    ) {
        self.service = service
        self.connectionCount = connectionCount
        self.tokenlessPlace = tokenlessPlace
        self.connection = connection
        self.machine = machine
        self.eventLoopMetrics = eventLoopMetrics
    }

    // MARK: - Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        service.socketOpened()
        perform(machine.start(now: .now(), wallClock: Date()), context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        machine.channelInactive()
        timer?.cancel()
        timer = nil
        self.context = nil
        service.socketClosed()
        if let connectionCount { service.connectionClosed(from: connectionCount.address) }
        tokenlessPlace?.release()
        let code = machine.closeCode ?? .abnormalClosure
        if let metrics = service.metrics {
            metrics.socketClosed(code)
            if let countedRole { metrics.registeredPeers(countedRole, change: -1) }
        }
        service.logger.info(
            machine.wasAdmitted ? "socket closed" : "socket refused",
            metadata: [
                "conn": .string(connection), "room": .string(machine.room.escapedForLog), "nodeId": .string(machine.nodeId.escapedForLog),
                "code": "\(code.code)", "reason": .string(code.reason.escapedForLog),
            ])
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let request = event as? CloseRequest {
            perform(machine.closeRequested(request.code, now: .now()), context: context)
        } else if let list = event as? ListReady {
            perform(machine.listArrived(list.nodeIds), context: context)
        } else if event is ChannelShouldQuiesceEvent {
            perform(machine.closeRequested(.shuttingDown, now: .now()), context: context)
        } else if case ChannelEvent.inputClosed = event {
            // Hummingbird allows half-closure; a client that drops TCP without a close frame
            // shows up here, not as channelInactive.
            perform(machine.inputClosed(), context: context)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        // Over MAX_OUTBOUND_BYTES (the high water mark): this peer does not read.
        if !context.channel.isWritable {
            perform(machine.writabilityLost(now: .now()), context: context)
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        service.logger.debug(
            "socket error", metadata: ["conn": .string(connection), "nodeId": .string(machine.nodeId.escapedForLog), "error": "\(error)"])
        // The frame decoder's errors end the socket with the close code RFC 6455 names (this
        // handler does the job of NIO's WebSocketProtocolErrorHandler, one pipeline step less
        // per frame).
        guard let error = error as? NIOWebSocketError else {
            context.close(promise: nil)
            return
        }
        let violation = SignalSessionStateMachine.FrameViolation.undecodable(oversized: error == .invalidFrameLength)
        perform(machine.frameViolation(violation, now: .now()), context: context)
    }

    // MARK: - Frames

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        let now = NIODeadline.now()
        // NIO's frame decoder passes these on; RFC 6455 § 5.1–5.2 fail the connection.
        if frame.rsv1 || frame.rsv2 || frame.rsv3 {
            perform(machine.frameViolation(.reservedBits, now: now), context: context)
            return
        }
        if frame.maskKey == nil {
            perform(machine.frameViolation(.unmaskedFrame, now: now), context: context)
            return
        }
        machine.heard(at: now)
        switch frame.opcode {
        case .connectionClose:
            perform(machine.closeFrameReceived(payload: frame.unmaskedData, now: now), context: context)
        case _ where !machine.isOpen:
            return
        case .text:
            if partialMessage != nil {
                perform(machine.frameViolation(.textInsideFragment, now: now), context: context)
                return
            }
            receive(frame, into: messageBuffer(context: context, capacity: frame.data.readableBytes), now: now, context: context)
        case .continuation:
            guard let message = partialMessage else {
                perform(machine.frameViolation(.continuationWithoutMessage, now: now), context: context)
                return
            }
            partialMessage = nil  // keeps `message` uniquely referenced while it grows
            guard message.readableBytes + frame.data.readableBytes <= service.configuration.maxMessageBytes else {
                perform(machine.frameViolation(.messageTooLarge, now: now), context: context)
                return
            }
            receive(frame, into: message, now: now, context: context)
        case .binary:
            perform(machine.frameViolation(.binaryFrame, now: now), context: context)
        case .ping:
            perform(machine.pingReceived(payload: frame.unmaskedData), context: context)
        case .pong:
            return  // being heard is all that matters
        default:
            perform(machine.frameViolation(.reservedOpcode, now: now), context: context)
        }
    }

    /// Adds a text or continuation frame's payload to `message`, and hands the message to the
    /// machine when the frame ends it.
    private func receive(_ frame: WebSocketFrame, into message: consuming ByteBuffer, now: NIODeadline, context: ChannelHandlerContext) {
        message.writeWebSocketUnmasked(frame.data, maskKey: frame.maskKey)
        if frame.fin {
            perform(machine.messageReceived(consume message, now: now), context: context)
        } else {
            partialMessage = message
        }
    }

    /// A buffer for an incoming message with the machine's headroom free in front of it.
    private func messageBuffer(context: ChannelHandlerContext, capacity: Int) -> ByteBuffer {
        let headroom = machine.messageHeadroom
        var buffer = context.channel.allocator.buffer(capacity: headroom + capacity)
        buffer.moveWriterIndex(forwardBy: headroom)
        buffer.moveReaderIndex(forwardBy: headroom)
        return buffer
    }

    // MARK: - Actions

    private func perform(_ action: SignalSessionStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .none:
            return
        case .deliver(let frame, let target, let kind):
            target.deliver(frame)
            eventLoopMetrics?.relayed(kind, receivedAt: machine.lastHeard)
        case .send(let frame):
            // A server-list answers a consumer that proved itself (with auth on, a verified
            // consumer token): it no longer counts as a socket without a credential.
            if case .serverList = frame { tokenlessPlace?.release() }
            send(frame, context: context)
            if eventLoopMetrics != nil { count(frame) }
        case .admitted(let replaced, let due):
            replaced?.close(.replaced)
            service.logger.info(
                "socket opened",
                metadata: [
                    "conn": .string(connection), "room": .string(machine.room.escapedForLog),
                    "nodeId": .string(machine.nodeId.escapedForLog),
                ])
            armTimer(at: due, context: context)
        case .pong(let payload):
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: payload)), promise: nil)
        case .ping(let due):
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer())), promise: nil)
            armTimer(at: due, context: context)
        case .armTimer(let due):
            armTimer(at: due, context: context)
        case .close(let code, let due):
            context.writeAndFlush(wrapOutboundOut(closeFrame(code, context: context)), promise: nil)
            armTimer(at: due, context: context)
        case .refuseConsumer(let refusal, let due):
            if case .invalidToken(let reason) = refusal {
                service.logger.debug(
                    "consumer token refused",
                    metadata: [
                        "conn": .string(connection), "room": .string(machine.room.escapedForLog),
                        "nodeId": .string(machine.nodeId.escapedForLog), "reason": "\(reason)",
                    ])
            }
            send(.authError(refusal.message), context: context)
            context.writeAndFlush(wrapOutboundOut(closeFrame(refusal.closeCode, context: context)), promise: nil)
            armTimer(at: due, context: context)
        case .closeAfterWriting(let code, let due):
            context.writeAndFlush(wrapOutboundOut(closeFrame(code, context: context)))
                .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            armTimer(at: due, context: context)
        case .closeConnection:
            context.close(promise: nil)
        }
    }

    /// Counts an `error` frame by its code, and the socket's role when the frame is the list that
    /// answers its `register`.
    private func count(_ frame: ServerFrame) {
        switch frame {
        case .error(let code, _):
            eventLoopMetrics?.errorSent(code)
        case .peerList, .serverList:
            guard countedRole == nil, let role = machine.registeredRole else { return }
            countedRole = role
            service.metrics?.registeredPeers(role, change: 1)
        case .authError:
            return
        }
    }

    private func send(_ frame: ServerFrame, context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: 64)
        frame.encode(into: &buffer)
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: buffer)), promise: nil)
    }

    private func closeFrame(_ code: CloseCode, context: ChannelHandlerContext) -> WebSocketFrame {
        var data = context.channel.allocator.buffer(capacity: 2 + code.reason.utf8.count)
        data.writeInteger(code.code)
        data.writeString(code.reason)
        return WebSocketFrame(fin: true, opcode: .connectionClose, data: data)
    }

    /// Replaces the socket's one timer with one due at `deadline`.
    private func armTimer(at deadline: NIODeadline, context: ChannelHandlerContext) {
        timer?.cancel()
        timer = try? context.eventLoop.assumeIsolated().scheduleCallback(at: deadline, handler: self)
    }
}

extension SignalSession: NIOScheduledCallbackHandler {
    func handleScheduledCallback(eventLoop: some EventLoop) {
        guard let context else { return }
        timer = nil
        perform(machine.timerFired(now: .now()), context: context)
    }
}
