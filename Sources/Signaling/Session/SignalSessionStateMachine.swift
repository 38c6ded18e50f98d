public import Foundation
public import NIOCore

/// One `/signal` socket's protocol logic, from admission to close, as a value that takes events
/// and returns the action to carry out (SPEC § WebSocket).
///
/// It does no I/O and reads no clock (the handler passes `now`, and the time of day at start
/// against which a token's `exp` is measured): the socket handler feeds it what happened (a complete
/// text message, a ping, the client's close, the timer firing at `now`, a close asked for by
/// another socket) and performs the ``Action`` it returns. One timer per socket serves the
/// register deadline, the pings, the token's expiry (`CLOSE_ON_TOKEN_EXPIRY`) and the closing
/// handshake; every action that needs it says when it is due. The only shared state it touches
/// is the ``PeerDirectory`` and the ``RevocationList``.
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
        /// RSV1, RSV2 or RSV3 set: no extension is ever negotiated.
        case reservedBits
        /// A reserved opcode (3–7, 0xB–0xF).
        case reservedOpcode
        /// A client frame without a mask.
        case unmaskedFrame
    }

    private enum Phase {
        /// Created, not started: `refusal` is set when admission refused the socket; `token`
        /// is the room token that admitted it.
        case new(refusal: CloseCode?, authorized: Bool, token: RoomTokenClaims?)
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
    /// `MESSAGE_RATE` for this socket.
    private var messageBucket: TokenBucket
    /// Messages dropped since the bucket last let one through: the first earns the
    /// `RATE_LIMITED` error, one more than the bucket's capacity closes the socket.
    private var messagesOverRate = 0
    /// When the room token expires, with `CLOSE_ON_TOKEN_EXPIRY` on.
    private var tokenDeadline = NIODeadline.distantFuture
    /// Whether the ``RevocationList`` tracks this socket (admitted with a room token, not left yet).
    private var tracksToken = false
    /// A list the directory still owes this registered socket (``DirectoryRegistration/deferred``),
    /// with the expiry its TURN credentials must not outlive.
    private enum AwaitedList {
        case noExpiry
        case expiringAt(Date)
    }

    private var awaitedList: AwaitedList?
    /// The code the socket was closed with (the client's own when it closed first), once it closes.
    public private(set) var closeCode: CloseCode?

    /// A machine for a socket whose admission was decided when it upgraded. `request` gives
    /// a refused socket's room and nodeId for the log; its token is not kept.
    public init(admission: Admission, request: Admission.Request, peer: any PeerConnection, settings: SessionSettings) {
        self.settings = settings
        self.peer = peer
        messageBucket = TokenBucket(rate: settings.messageRate, now: .uptimeNanoseconds(0))
        switch admission {
        case .admit(let room, let nodeId, let authorized, let token):
            self.room = room
            self.nodeId = nodeId
            phase = .new(refusal: nil, authorized: authorized, token: token)
        case .refuse(let code):
            room = request.room ?? ""
            nodeId = request.nodeId ?? ""
            phase = .new(refusal: code, authorized: false, token: nil)
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

    /// The socket is ready: enter the room, or close with the admission's refusal (or 4003 when
    /// its room token is revoked). `wallClock` is the time of day at `now`, against which the
    /// token's `exp` is measured (tests that do not care leave it to the current time).
    public mutating func start(now: NIODeadline, wallClock: Date = Date()) -> Action {
        guard case .new(let refusal, let authorized, let token) = phase else { return .none }
        lastHeard = now
        messageBucket = TokenBucket(rate: settings.messageRate, now: now)
        if let refusal {
            return beginClose(refusal, now: now)
        }
        if let token {
            // Before the directory: a revoked token must not replace the key's holder.
            guard settings.revocations.admit(peer, token: token) else { return beginClose(.tokenRevoked, now: now) }
            tracksToken = true
            if settings.closeOnTokenExpiry {
                let seconds = min(max(token.expiresAt.timeIntervalSince(wallClock), 0), Double(Int32.max))
                tokenDeadline = now + .nanoseconds(Int64(seconds * 1e9))
            }
        }
        switch settings.directory.admit(peer, room: room, nodeId: nodeId, proven: authorized) {
        case .nodeIdInUse:
            return beginClose(.nodeIdInUse, now: now)
        case .roomFull:
            return beginClose(.roomFull, now: now)
        case .admitted(let replaced):
            wasAdmitted = true
            phase = .pending(authorized: authorized, expiresAt: token?.expiresAt)
            // A socket admitted without a token gets less time: it holds a place of the smaller token-less budget.
            registerDeadline = now + (authorized ? settings.registerTimeout : min(settings.registerTimeout, settings.tokenlessRegisterTimeout))
            nextPing = now + settings.pingInterval
            return .admitted(replacing: replaced, timerAt: nextTimer)
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
    /// Over `MESSAGE_RATE` the message is dropped: the first one dropped is answered with a
    /// `RATE_LIMITED` error, and when the socket goes on until it has had a second bucketful
    /// dropped, it is closed 1008.
    public mutating func messageReceived(_ message: consuming ByteBuffer, now: NIODeadline) -> Action {
        guard isOpen else { return .none }
        guard messageBucket.take(now: now) else { return overRate(now: now) }
        messagesOverRate = 0
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

    /// A message over the rate was dropped.
    private mutating func overRate(now: NIODeadline) -> Action {
        messagesOverRate += 1
        if messagesOverRate == 1 {
            return .send(.error(.rateLimited, "more than \(settings.messageRate) messages: dropped until the rate allows again"))
        }
        return messagesOverRate > messageBucket.capacity ? beginClose(.rateLimited, now: now) : .none
    }

    /// The client sent a ping.
    public func pingReceived(payload: ByteBuffer) -> Action {
        isOpen ? .pong(payload: payload) : .none
    }

    /// The timer fired at `now`: the closing handshake ran out, the room token expired, the
    /// register deadline passed, or a ping is due (or the peer has been silent for two ping
    /// intervals).
    public mutating func timerFired(now: NIODeadline) -> Action {
        if isOpen && now >= tokenDeadline {
            return beginClose(.tokenExpired, now: now)
        }
        switch phase {
        case .new, .closed:
            return .none
        case .closing:
            return .closeConnection
        case .pending where now >= registerDeadline:
            return beginClose(.registrationTimeout, now: now)
        case .pending, .registered:
            guard now >= nextPing else {
                return .armTimer(nextTimer)
            }
            if now - lastHeard >= settings.pingInterval * 2 {
                return beginClose(.pingTimeout, now: now)
            }
            nextPing = now + settings.pingInterval
            return .ping(timerAt: nextTimer)
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
        case .reservedBits: return beginClose(.reservedBitsSet, now: now)
        case .reservedOpcode: return beginClose(.reservedOpcode, now: now)
        case .unmaskedFrame: return beginClose(.unmaskedFrame, now: now)
        case .undecodable(let oversized):
            let code = oversized ? CloseCode.messageTooLarge : .protocolError
            leave(closingWith: code)
            return .closeAfterWriting(code, timerAt: now + settings.closeHandshakeTimeout)
        }
    }

    /// The client's close frame, with its unmasked `payload`.
    ///
    /// When the client closes first its code is echoed (RFC 6455 § 5.5.1), or answered 1002
    /// when it is one a client may not send (§ 7.4) or the body is a lone byte, and 1007 when
    /// the reason is not UTF-8 (§ 8.1); when the server closed first this was the answer it
    /// waited for.
    public mutating func closeFrameReceived(payload: ByteBuffer, now: NIODeadline) -> Action {
        guard isOpen || isNew else { return phase.isClosing ? .closeConnection : .none }
        var payload = payload
        let reply: CloseCode
        switch payload.readableBytes {
        case 0:
            reply = .echoing(1000)
        case 1:
            reply = .oneByteCloseBody
        default:
            let code = payload.readInteger(as: UInt16.self)!
            if !Self.mayBeSentByClient(code) {
                reply = .invalidCloseCode
            } else if !payload.withUnsafeReadableBytes(UTF8Validation.isValid) {
                reply = .invalidCloseReason
            } else {
                reply = .echoing(code)
            }
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

    /// When the timer is due next: the next ping, the token's expiry, and while pending the
    /// register deadline.
    private var nextTimer: NIODeadline {
        let pendingDeadline = if case .pending = phase { registerDeadline } else { NIODeadline.distantFuture }
        return min(pendingDeadline, nextPing, tokenDeadline)
    }

    private mutating func register(_ registration: Registration, now: NIODeadline) -> Action {
        guard case .pending(let authorized, let tokenExpiry) = phase else { return .none }  // later registers are ignored
        let registered: DirectoryRegistration
        let credentialsExpiry: Date?
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
            registered = settings.directory.registerConsumer(peer, room: room, nodeId: nodeId)
            credentialsExpiry = tokenExpiry ?? consumerExpiry
        case .normal:
            guard authorized else { return beginClose(.normalRequiresToken, now: now) }
            registered = settings.directory.registerNormal(
                peer, room: room, nodeId: nodeId, serveConsumers: registration.serveConsumers, capacity: registration.capacity)
            credentialsExpiry = tokenExpiry
        }
        switch registered {
        case .notHolder:
            return .none  // replaced while pending: its close request is on the way
        case .listed(let nodeIds):
            phase = .registered(registration.role, RelaySplice(sender: nodeId, role: registration.role))
            return .send(listFrame(nodeIds, role: registration.role, credentialsExpiry: credentialsExpiry))
        case .deferred:
            phase = .registered(registration.role, RelaySplice(sender: nodeId, role: registration.role))
            awaitedList = credentialsExpiry.map(AwaitedList.expiringAt) ?? .noExpiry
            return .none
        }
    }

    /// The list that answers the register, once a directory that deferred it has it (see
    /// ``DirectoryRegistration/deferred``); ignored unless the socket is waiting for one.
    public mutating func listArrived(_ nodeIds: [String]) -> Action {
        guard case .registered(let role, _) = phase, let awaited = awaitedList else { return .none }
        awaitedList = nil
        let expiry: Date? = if case .expiringAt(let date) = awaited { date } else { nil }
        return .send(listFrame(nodeIds, role: role, credentialsExpiry: expiry))
    }

    /// The `peer-list` or `server-list` for a socket registered with `role`.
    private func listFrame(_ nodeIds: [String], role: PeerRole, credentialsExpiry: Date?) -> ServerFrame {
        switch role {
        case .normal: .peerList(nodeIds, iceServers: iceServer(notAfter: credentialsExpiry))
        case .consumer: .serverList(nodeIds, iceServers: iceServer(notAfter: credentialsExpiry))
        }
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
        case .unavailable:
            return .send(.error(.unavailable, "Peer \(envelope.target) is on another instance, which cannot be reached now; retry later"))
        case .refused:
            return .none  // consumer to consumer: never relayed, silently, as the JS server does
        }
    }

    /// Leaves the room and starts the closing handshake with `code`.
    private mutating func beginClose(_ code: CloseCode, now: NIODeadline) -> Action {
        leave(closingWith: code)
        return .close(code, timerAt: now + settings.closeHandshakeTimeout)
    }

    /// The one way out: gives up the key at once (so nothing more is routed here), stops the
    /// revocation list tracking the socket, and records the close code.
    private mutating func leave(closingWith code: CloseCode) {
        if tracksToken {
            settings.revocations.release(peer, subject: room)
            tracksToken = false
        }
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
