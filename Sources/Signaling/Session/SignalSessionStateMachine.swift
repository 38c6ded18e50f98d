public import Foundation
public import NIOCore

/// One `/signal` socket's protocol logic, from admission to close, as a value that takes events
/// and returns the action to carry out (SPEC § WebSocket).
///
/// It does no I/O and reads no clock: the socket handler feeds it what happened (a complete
/// text message, a ping, the client's close, the timer firing at `now`, a close asked for by
/// another socket) and performs the ``Action`` it returns. One timer per socket serves the
/// register deadline, the pings and the closing handshake; every action that needs it says
/// when it is due. The only shared state it touches is the ``PeerDirectory``.
public struct SignalSessionStateMachine {
    /// What the socket handler does next.
    public enum Action {
        /// Nothing.
        case none
        /// The socket holds its (room, nodeId) now: close `replacing` (the older socket it took
        /// the key from) with ``CloseCode/replaced``, and arm the timer.
        case admitted(replacing: (any PeerConnection)?, timerAt: NIODeadline)
        /// Send this frame to the client.
        case send(ServerFrame)
        /// Send this stamped relay frame, a message of type `kind`, to another socket.
        case deliver(ByteBuffer, to: any PeerConnection, kind: RelayEnvelope.Kind)
        /// Answer a client's ping with a pong carrying `payload`.
        case pong(payload: ByteBuffer)
        /// Send a ping and arm the timer.
        case ping(timerAt: NIODeadline)
        /// Arm the timer.
        case armTimer(NIODeadline)
        /// Start the closing handshake: send a close frame with `code` and arm the timer; the
        /// connection ends when the client answers or the timer fires.
        case close(CloseCode, timerAt: NIODeadline)
        /// Send the consumer's `auth-err` frame, then close as in ``close(_:timerAt:)`` with the
        /// refusal's close code.
        case refuseConsumer(ConsumerRefusal, timerAt: NIODeadline)
        /// Send a close frame with `code`, then end the connection without waiting for an
        /// answer (the client closed first, or the frame decoder cannot read on). The timer
        /// ends it if the write never completes.
        case closeAfterWriting(CloseCode, timerAt: NIODeadline)
        /// End the connection now.
        case closeConnection
    }

    /// A frame that breaks the framing rules: the socket handler reports it, the machine says
    /// how the socket ends.
    public enum FrameViolation: Sendable, Equatable {
        /// A binary frame; this protocol is JSON text.
        case binaryFrame
        /// A text frame inside a fragmented message.
        case textInsideFragment
        /// A continuation frame with no message to continue.
        case continuationWithoutMessage
        /// A reassembled message over `MAX_MESSAGE_BYTES`.
        case messageTooLarge
        /// The frame decoder refused a frame (`oversized`: its length is over the limit) and
        /// cannot read further.
        case undecodable(oversized: Bool)
    }

    private enum Phase {
        /// Created, not started: `refusal` is set when admission refused the socket.
        case new(refusal: CloseCode?, authorized: Bool, expiresAt: Date?)
        /// Holds its key in the directory, not registered yet; `expiresAt` is its room token's expiry.
        case pending(authorized: Bool, expiresAt: Date?)
        /// Registered with `role`; `splice` stamps its relayed frames.
        case registered(PeerRole, RelaySplice)
        /// The close frame is out; waiting for the client's or the timer.
        case closing
        /// The connection is gone.
        case closed

        var isClosing: Bool {
            if case .closing = self { true } else { false }
        }

        var isClosed: Bool {
            if case .closed = self { true } else { false }
        }
    }

    /// Bytes a received message keeps free in front of it for the largest server frame header
    /// (10 bytes), so that a relayed message can be stamped and sent from where it lies.
    public static let frameHeaderRoom = 10

    private let settings: SessionSettings
    private let peer: any PeerConnection
    /// The room: the admitted one, or for a refused socket the one it asked for (`""` if none).
    public let room: String
    /// The nodeId: the admitted one, or for a refused socket the one it asked for (`""` if none).
    public let nodeId: String
    private var phase: Phase
    /// When the socket last heard from the client: the arrival of the frame being handled.
    public private(set) var lastHeard = NIODeadline.uptimeNanoseconds(0)
    private var registerDeadline = NIODeadline.distantFuture
    private var nextPing = NIODeadline.distantFuture
    /// The code the socket was closed with (the client's own when it closed first), once it closes.
    public private(set) var closeCode: CloseCode?

    /// A machine for a socket whose admission was decided when it upgraded. `request` gives
    /// a refused socket's room and nodeId for the log; its token is not kept.
    public init(admission: Admission, request: Admission.Request, peer: any PeerConnection, settings: SessionSettings) {
        self.settings = settings
        self.peer = peer
        switch admission {
        case .admit(let room, let nodeId, let authorized, let expiresAt):
            self.room = room
            self.nodeId = nodeId
            phase = .new(refusal: nil, authorized: authorized, expiresAt: expiresAt)
        case .refuse(let code):
            room = request.room ?? ""
            nodeId = request.nodeId ?? ""
            phase = .new(refusal: code, authorized: false, expiresAt: nil)
        }
    }

    /// Whether the socket ever held its key in the directory.
    public private(set) var wasAdmitted = false

    /// The role the socket registered with, while it is registered.
    public var registeredRole: PeerRole? {
        guard case .registered(let role, _) = phase else { return nil }
        return role
    }

    /// Whether incoming messages are still handled (the socket is neither closing nor closed).
    public var isOpen: Bool {
        switch phase {
        case .pending, .registered: true
        case .new, .closing, .closed: false
        }
    }

    /// The bytes a received message must keep free in front of it so that ``messageReceived(_:)``
    /// can stamp it in place: the frame header and, once registered, the sender prefix.
    public var messageHeadroom: Int {
        guard case .registered(_, let splice) = phase else { return Self.frameHeaderRoom }
        return Self.frameHeaderRoom + splice.prefixLength
    }

    // MARK: - Events

    /// The socket is ready: enter the room, or close with the admission's refusal.
    public mutating func start(now: NIODeadline) -> Action {
        guard case .new(let refusal, let authorized, let expiresAt) = phase else { return .none }
        lastHeard = now
        if let refusal {
            return beginClose(refusal, now: now)
        }
        switch settings.directory.admit(peer, room: room, nodeId: nodeId, proven: authorized) {
        case .nodeIdInUse:
            return beginClose(.nodeIdInUse, now: now)
        case .roomFull:
            return beginClose(.roomFull, now: now)
        case .admitted(let replaced):
            wasAdmitted = true
            phase = .pending(authorized: authorized, expiresAt: expiresAt)
            registerDeadline = now + settings.registerTimeout
            nextPing = now + settings.pingInterval
            return .admitted(replacing: replaced, timerAt: min(registerDeadline, nextPing))
        }
    }

    /// Something arrived from the client at `now`: any frame counts as a sign of life.
    public mutating func heard(at now: NIODeadline) {
        lastHeard = now
    }

    /// A complete text message, unmasked, with ``messageHeadroom`` bytes free before it.
    ///
    /// Consumed: a relayed message is stamped where it lies, which is free only while nothing
    /// else holds its buffer (a shared one would be copied first).
    public mutating func messageReceived(_ message: consuming ByteBuffer, now: NIODeadline) -> Action {
        guard isOpen else { return .none }
        let decoded = message.withUnsafeReadableBytes { bytes in
            Result { () throws(ClientFrameError) in try ClientFrameDecoder.decode(bytes) }
        }
        switch decoded {
        case .failure(.invalidUTF8):
            return beginClose(.invalidUTF8, now: now)
        case .failure(.badMessage(let reason)):
            return .send(.error(.badMessage, reason))
        case .success(.register(let registration)):
            return register(registration, now: now)
        case .success(.heartbeat(let heartbeat)):
            settings.directory.heartbeat(peer, room: room, nodeId: nodeId, heartbeat)
            return .none
        case .success(.relay(let envelope)):
            return relay(consume message, envelope)
        }
    }

    /// The client sent a ping.
    public func pingReceived(payload: ByteBuffer) -> Action {
        isOpen ? .pong(payload: payload) : .none
    }

    /// The timer fired at `now`: the closing handshake ran out, the register deadline passed,
    /// or a ping is due (or the peer has been silent for two ping intervals).
    public mutating func timerFired(now: NIODeadline) -> Action {
        switch phase {
        case .new, .closed:
            return .none
        case .closing:
            return .closeConnection
        case .pending where now >= registerDeadline:
            return beginClose(.registrationTimeout, now: now)
        case .pending, .registered:
            let isPending = if case .pending = phase { true } else { false }
            guard now >= nextPing else {
                return .armTimer(isPending ? min(registerDeadline, nextPing) : nextPing)
            }
            if now - lastHeard >= settings.pingInterval * 2 {
                return beginClose(.pingTimeout, now: now)
            }
            nextPing = now + settings.pingInterval
            return .ping(timerAt: isPending ? min(registerDeadline, nextPing) : nextPing)
        }
    }

    /// Another socket (a replacement for this key) or the server (shutting down) asks this
    /// socket to close with `code`.
    public mutating func closeRequested(_ code: CloseCode, now: NIODeadline) -> Action {
        guard isOpen || isNew else { return .none }
        return beginClose(code, now: now)
    }

    /// The socket's unsent data went over `MAX_OUTBOUND_BYTES`: the peer does not read.
    public mutating func writabilityLost(now: NIODeadline) -> Action {
        closeRequested(.slowConsumer, now: now)
    }

    /// A frame broke the framing rules.
    public mutating func frameViolation(_ violation: FrameViolation, now: NIODeadline) -> Action {
        guard isOpen || isNew else { return .none }
        switch violation {
        case .binaryFrame: return beginClose(.binaryFrame, now: now)
        case .textInsideFragment: return beginClose(.textInsideFragment, now: now)
        case .continuationWithoutMessage: return beginClose(.continuationWithoutMessage, now: now)
        case .messageTooLarge: return beginClose(.messageTooLarge, now: now)
        case .undecodable(let oversized):
            let code = oversized ? CloseCode.messageTooLarge : .protocolError
            leave(closingWith: code)
            return .closeAfterWriting(code, timerAt: now + settings.closeHandshakeTimeout)
        }
    }

    /// The client's close frame, with its unmasked `payload`.
    ///
    /// When the client closes first its code is echoed (RFC 6455 § 5.5.1), or answered 1002
    /// when it is one a client may not send (§ 7.4); when the server closed first this was the
    /// answer it waited for.
    public mutating func closeFrameReceived(payload: ByteBuffer, now: NIODeadline) -> Action {
        guard isOpen || isNew else { return phase.isClosing ? .closeConnection : .none }
        var payload = payload
        let reply: CloseCode
        switch payload.readableBytes {
        case 0:
            reply = .echoing(1000)
        case 1:
            reply = .protocolError
        default:
            let code = payload.readInteger(as: UInt16.self)!
            reply = Self.mayBeSentByClient(code) ? .echoing(code) : .protocolError
        }
        leave(closingWith: reply)
        return .closeAfterWriting(reply, timerAt: now + settings.closeHandshakeTimeout)
    }

    /// The client shut its side of the TCP connection without a close frame.
    public mutating func inputClosed() -> Action {
        if phase.isClosed { return .none }
        leave(closingWith: .abnormalClosure)
        return .closeConnection
    }

    /// The connection is gone: leave the room if the socket still holds its key.
    public mutating func channelInactive() {
        leave(closingWith: .abnormalClosure)
        phase = .closed
    }

    // MARK: - Steps

    private var isNew: Bool {
        if case .new = phase { true } else { false }
    }

    private mutating func register(_ registration: Registration, now: NIODeadline) -> Action {
        guard case .pending(let authorized, let tokenExpiry) = phase else { return .none }  // later registers are ignored
        let list: ServerFrame?
        switch registration.role {
        case .consumer:
            let consumerExpiry: Date?
            switch settings.consumerAuthentication.check(token: registration.token) {
            case .failure(let refusal):
                leave(closingWith: refusal.closeCode)
                return .refuseConsumer(refusal, timerAt: now + settings.closeHandshakeTimeout)
            case .success(let expiry):
                consumerExpiry = expiry
            }
            list = settings.directory.registerConsumer(peer, room: room, nodeId: nodeId).map {
                ServerFrame.serverList($0, iceServers: iceServer(notAfter: tokenExpiry ?? consumerExpiry))
            }
        case .normal:
            guard authorized else { return beginClose(.normalRequiresToken, now: now) }
            list = settings.directory
                .registerNormal(peer, room: room, nodeId: nodeId, serveConsumers: registration.serveConsumers, capacity: registration.capacity)
                .map { ServerFrame.peerList($0, iceServers: iceServer(notAfter: tokenExpiry)) }
        }
        guard let list else { return .none }  // replaced while pending: its close request is on the way
        phase = .registered(registration.role, RelaySplice(sender: nodeId, role: registration.role))
        return .send(list)
    }

    /// This socket's TURN credentials, when TURN is on: never valid beyond `notAfter`, the
    /// expiry of the token that admitted it.
    private func iceServer(notAfter: Date?) -> IceServer? {
        settings.turn?.credentials(for: nodeId, notAfter: notAfter)
    }

    private func relay(_ message: consuming ByteBuffer, _ envelope: RelayEnvelope) -> Action {
        guard case .registered(let role, let splice) = phase else {
            return .send(.error(.notRegistered, "register before sending \(envelope.kind.rawValue)"))
        }
        switch settings.directory.route(from: role, room: room, to: envelope.target) {
        case .deliver(let target):
            var frame = consume message
            if !splice.stampInPlace(&frame, envelope: envelope, keepingHeadroom: Self.frameHeaderRoom) {
                var copy = ByteBufferAllocator().buffer(capacity: frame.readableBytes + splice.overhead)
                frame.withUnsafeReadableBytes { splice.write($0, envelope: envelope, into: &copy) }
                frame = copy
            }
            return .deliver(frame, to: target, kind: envelope.kind)
        case .peerNotFound:
            return .send(.error(.peerNotFound, "Peer \(envelope.target) is not connected"))
        case .refused:
            return .none  // consumer to consumer: never relayed, silently, as the JS server does
        }
    }

    /// Leaves the room and starts the closing handshake with `code`.
    private mutating func beginClose(_ code: CloseCode, now: NIODeadline) -> Action {
        leave(closingWith: code)
        return .close(code, timerAt: now + settings.closeHandshakeTimeout)
    }

    /// The one way out: gives up the key at once (so nothing more is routed here) and records
    /// the close code.
    private mutating func leave(closingWith code: CloseCode) {
        switch phase {
        case .pending, .registered:
            settings.directory.remove(peer, room: room, nodeId: nodeId)
        case .new, .closing, .closed:
            break
        }
        if case .closed = phase { return }
        phase = .closing
        closeCode = closeCode ?? code
    }

    /// Close codes a client may send (RFC 6455 § 7.4.1 and the IANA registry; 3000–4999 are
    /// for libraries and applications).
    private static func mayBeSentByClient(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1014, 3000...4999: true
        default: false
        }
    }
}
