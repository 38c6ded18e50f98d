import Foundation
import NIOCore
@testable import Signaling
import Testing

/// Every transition of one socket's state machine, with time passed in as `now`: admission,
/// registration, relay, timers, every way a socket closes, and the close codes each one sends.
@Suite struct SignalSessionStateMachineTests {
    let directory = RoomRegistry()
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    // MARK: - Admission

    @Test func anAdmittedSocketHoldsItsKeyAndArmsTheRegisterDeadline() {
        var machine = session("a", registerTimeout: .seconds(10), pingInterval: .seconds(30))
        guard case .admitted(let replaced, let due) = machine.start(now: start) else {
            Issue.record("expected admission")
            return
        }
        #expect(replaced == nil)
        #expect(due == start + .seconds(10))
        #expect(machine.wasAdmitted && machine.isOpen)
        #expect(directory.memberCount == 1)
    }

    @Test func aRefusedSocketClosesWithTheRefusalAndNeverEntersTheRoom() {
        let request = Admission.Request(token: "secret-token", room: "asked-room", nodeId: "asked-node")
        var machine = SignalSessionStateMachine(
            admission: .refuse(.invalidToken), request: request, peer: IdentityPeer(), settings: settings())
        #expect(closeCode(of: machine.start(now: start)) == .invalidToken)
        #expect(machine.closeCode == .invalidToken)
        #expect(!machine.wasAdmitted && !machine.isOpen)
        #expect(machine.room == "asked-room" && machine.nodeId == "asked-node")
        #expect(directory.memberCount == 0)
    }

    @Test func aNewSocketReplacesTheHolderOfItsKey() {
        let oldPeer = IdentityPeer()
        var old = session("a", peer: oldPeer)
        _ = old.start(now: start)
        let newPeer = IdentityPeer()
        var new = session("a", peer: newPeer)
        guard case .admitted(let replaced?, _) = new.start(now: start) else {
            Issue.record("expected the old socket to be replaced")
            return
        }
        #expect(replaced === oldPeer)
        // The old socket's own close comes later and must not evict the new holder.
        #expect(closeCode(of: old.closeRequested(.replaced, now: start)) == .replaced)
        old.channelInactive()
        #expect(directory.memberCount == 1)
        #expect(route("a", from: .normal) === newPeer)
    }

    @Test func aTokenlessSocketMayNotReplaceARegisteredPeer() {
        var holder = session("a")
        _ = holder.start(now: start)
        _ = holder.messageReceived(message(#"{"type":"register"}"#), now: start)
        var squatter = session("a", authorized: false)
        #expect(closeCode(of: squatter.start(now: start)) == .nodeIdInUse)
        #expect(squatter.closeCode == .nodeIdInUse)
        squatter.channelInactive()
        #expect(directory.memberCount == 1)
    }

    @Test func aNewcomerToAFullRoomIsClosed4429() {
        let small = RoomRegistry(maximumPeersPerRoom: 1)
        let settings = SessionSettings(directory: small, consumerAuthentication: .open, registerTimeout: .seconds(10), pingInterval: .seconds(30))
        var first = SignalSessionStateMachine(
            admission: .admit(room: "room", nodeId: "a", authorized: true), request: Admission.Request(), peer: IdentityPeer(), settings: settings)
        _ = first.start(now: start)
        var second = SignalSessionStateMachine(
            admission: .admit(room: "room", nodeId: "b", authorized: true), request: Admission.Request(), peer: IdentityPeer(), settings: settings)
        #expect(closeCode(of: second.start(now: start)) == .roomFull)
        #expect(small.memberCount == 1)
    }

    // MARK: - Registration

    @Test func normalPeersGetTheOtherNormalPeers() {
        var first = started("a")
        #expect(sentFrame(first.messageReceived(message(#"{"type":"register"}"#), now: start)) == .peerList([]))
        var second = started("b")
        #expect(sentFrame(second.messageReceived(message(#"{"type":"register","role":"normal"}"#), now: start)) == .peerList(["a"]))
        // Later registers are ignored.
        if case .none = first.messageReceived(message(#"{"type":"register","role":"consumer"}"#), now: start) {} else {
            Issue.record("a second register must be ignored")
        }
    }

    @Test func aNormalRegisterNeedsARoomToken() {
        var machine = started("a", authorized: false)
        #expect(closeCode(of: machine.messageReceived(message(#"{"type":"register"}"#), now: start)) == .normalRequiresToken)
        #expect(directory.memberCount == 0)
    }

    @Test func consumersGetEligibleServersRotatedAndHeartbeatsChangeEligibility() {
        var server1 = started("s1")
        _ = server1.messageReceived(message(#"{"type":"register","capacity":1}"#), now: start)
        var server2 = started("s2")
        _ = server2.messageReceived(message(#"{"type":"register"}"#), now: start)
        var consumer1 = started("c1", authorized: false)
        #expect(sentFrame(consumer1.messageReceived(message(#"{"type":"register","role":"consumer"}"#), now: start)) == .serverList(["s1", "s2"]))
        var consumer2 = started("c2", authorized: false)
        #expect(sentFrame(consumer2.messageReceived(message(#"{"type":"register","role":"consumer"}"#), now: start)) == .serverList(["s2", "s1"]))
        // s1 reports a full load: it is no longer offered.
        _ = server1.messageReceived(message(#"{"type":"heartbeat","load":{"sessions":1}}"#), now: start)
        var consumer3 = started("c3", authorized: false)
        #expect(sentFrame(consumer3.messageReceived(message(#"{"type":"register","role":"consumer"}"#), now: start)) == .serverList(["s2"]))
    }

    @Test func consumerRefusalsSendAuthErrorThenTheirCloseCode() throws {
        var notConfigured = started("c", authorized: false, consumers: .notConfigured)
        #expect(refusal(notConfigured.messageReceived(message(#"{"type":"register","role":"consumer"}"#), now: start)) == .notConfigured)
        #expect(notConfigured.closeCode == .consumerAuthNotConfigured)

        let verifier = ConsumerTokenVerifier(
            keys: try ConsumerKeySet(configurationValue: RFC7515.A3.publicJWK), algorithms: [.es256], issuer: nil, audience: nil)
        var missing = started("c1", authorized: false, consumers: .verified(by: verifier))
        #expect(refusal(missing.messageReceived(message(#"{"type":"register","role":"consumer"}"#), now: start)) == .missingToken)
        #expect(missing.closeCode == .missingConsumerToken)

        // RFC 7515 A.3's token is signed by that key but expired in 2011.
        var expired = started("c2", authorized: false, consumers: .verified(by: verifier))
        let register = #"{"type":"register","role":"consumer","token":"\#(RFC7515.A3.token)"}"#
        guard case .invalidToken = refusal(expired.messageReceived(message(register), now: start)) else {
            Issue.record("an expired consumer token must be refused")
            return
        }
        #expect(expired.closeCode == .invalidConsumerToken)
        #expect(directory.memberCount == 0)
    }

    @Test func withTURNOnListsCarryCredentialsCappedAtTheTokenExpiry() throws {
        let turn = TurnCredentialIssuer(secret: "coturn-secret", urls: [try TurnServerURL("turn:127.0.0.1:3478")], timeToLive: TimeToLive(seconds: 3600))
        let settings = SessionSettings(
            directory: directory, consumerAuthentication: .open, registerTimeout: .seconds(10), pingInterval: .seconds(30), turn: turn)
        let expiry = Date().addingTimeInterval(120)
        var normal = SignalSessionStateMachine(
            admission: .admit(room: "room", nodeId: "n", authorized: true, token: token(expiresAt: expiry)), request: Admission.Request(),
            peer: IdentityPeer(), settings: settings)
        _ = normal.start(now: start)
        guard case .peerList([], let iceServer?)? = sentFrame(normal.messageReceived(message(#"{"type":"register"}"#), now: start)) else {
            Issue.record("a peer-list with iceServers is expected")
            return
        }
        #expect(iceServer.username == "\(Int(expiry.timeIntervalSince1970)):n")
        #expect((119...120).contains(iceServer.ttl))
        #expect(iceServer.urls == ["turn:127.0.0.1:3478"])

        // A consumer admitted without a room token: TURN_TTL applies.
        var consumer = SignalSessionStateMachine(
            admission: .admit(room: "room", nodeId: "c", authorized: false), request: Admission.Request(), peer: IdentityPeer(), settings: settings)
        _ = consumer.start(now: start)
        guard case .serverList(["n"], let consumerServer?)? = sentFrame(consumer.messageReceived(message(#"{"type":"register","role":"consumer"}"#), now: start)) else {
            Issue.record("a server-list with iceServers is expected")
            return
        }
        #expect((3599...3600).contains(consumerServer.ttl))
        #expect(consumerServer.username.hasSuffix(":c"))
    }

    // MARK: - Relay

    @Test func relaysAreStampedWithTheSenderAndDeliveredToTheTarget() {
        let targetPeer = IdentityPeer()
        var target = session("b", peer: targetPeer)
        _ = target.start(now: start)
        var sender = started("a")
        _ = sender.messageReceived(message(#"{"type":"register"}"#), now: start)
        let offer = #"{"type":"offer","to":"b","sdp":"v=0"}"#
        for headroom in [sender.messageHeadroom, 0] {
            guard case .deliver(let frame, let to, _) = sender.messageReceived(message(offer, headroom: headroom), now: start) else {
                Issue.record("expected a delivery")
                return
            }
            #expect(to === targetPeer)
            #expect(String(buffer: frame) == #"{"from":"a","fromRole":"normal","type":"offer","to":"b","sdp":"v=0"}"#)
        }
        // A client-supplied sender is overwritten.
        let forged = #"{"type":"answer","from":"z","fromRole":"consumer","to":"b"}"#
        guard case .deliver(let frame, _, _) = sender.messageReceived(message(forged), now: start) else {
            Issue.record("expected a delivery")
            return
        }
        #expect(String(buffer: frame) == #"{"from":"a","fromRole":"normal","type":"answer","to":"b"}"#)
    }

    @Test func aRelayIsStampedInTheBufferItArrivedInWithoutACopy() {
        var target = session("b")
        _ = target.start(now: start)
        var sender = started("a")
        _ = sender.messageReceived(message(#"{"type":"register"}"#), now: start)
        let offer = message(#"{"type":"offer","to":"b","sdp":"v=0"}"#, headroom: sender.messageHeadroom)
        let arrived = offer.withVeryUnsafeBytes { UInt(bitPattern: $0.baseAddress) }
        guard case .deliver(let frame, _, _) = sender.messageReceived(consume offer, now: start) else {
            Issue.record("expected a delivery")
            return
        }
        #expect(frame.withVeryUnsafeBytes { UInt(bitPattern: $0.baseAddress) } == arrived)
    }

    @Test func theHeadroomGrowsByTheSenderPrefixOnceRegistered() {
        var machine = started("node")
        #expect(machine.messageHeadroom == SignalSessionStateMachine.frameHeaderRoom)
        _ = machine.messageReceived(message(#"{"type":"register"}"#), now: start)
        #expect(machine.messageHeadroom == SignalSessionStateMachine.frameHeaderRoom + #"{"from":"node","fromRole":"normal""#.utf8.count)
    }

    @Test func relaysBeforeRegisterToUnknownPeersAndBetweenConsumersAreRefused() {
        var pending = started("a")
        #expect(sentFrame(pending.messageReceived(message(#"{"type":"offer","to":"x"}"#), now: start)) == .error(.notRegistered, "register before sending offer"))
        _ = pending.messageReceived(message(#"{"type":"register"}"#), now: start)
        #expect(sentFrame(pending.messageReceived(message(#"{"type":"offer","to":"x"}"#), now: start)) == .error(.peerNotFound, "Peer x is not connected"))

        var consumer1 = started("c1", authorized: false)
        _ = consumer1.messageReceived(message(#"{"type":"register","role":"consumer"}"#), now: start)
        var consumer2 = started("c2", authorized: false)
        _ = consumer2.messageReceived(message(#"{"type":"register","role":"consumer"}"#), now: start)
        if case .none = consumer1.messageReceived(message(#"{"type":"offer","to":"c2"}"#), now: start) {} else {
            Issue.record("consumer to consumer is never relayed")
        }
    }

    @Test func badMessagesGetAnErrorFrameAndInvalidUTF8Closes1007() {
        var machine = started("a")
        #expect(sentFrame(machine.messageReceived(message("[1]"), now: start)) == .error(.badMessage, "message must be a JSON object"))
        #expect(machine.isOpen)
        var invalid = ByteBuffer()
        invalid.writeBytes([0x22, 0xC3, 0x28, 0x22])
        #expect(closeCode(of: machine.messageReceived(invalid, now: start)) == .invalidUTF8)
        #expect(!machine.isOpen)
        if case .none = machine.messageReceived(message(#"{"type":"register"}"#), now: start) {} else {
            Issue.record("a closing socket handles no more messages")
        }
    }

    // MARK: - Timers

    @Test func aSocketThatDoesNotRegisterInTimeIsClosed4002() {
        var machine = session("a", registerTimeout: .seconds(10), pingInterval: .seconds(30))
        _ = machine.start(now: start)
        guard case .armTimer(let due) = machine.timerFired(now: start + .seconds(5)) else {
            Issue.record("an early timer is armed again")
            return
        }
        #expect(due == start + .seconds(10))
        #expect(closeCode(of: machine.timerFired(now: start + .seconds(10))) == .registrationTimeout)
        #expect(directory.memberCount == 0)
    }

    @Test func pingsAreSentEachIntervalAndSilenceForTwoIntervalsCloses() {
        var machine = session("a", registerTimeout: .seconds(100), pingInterval: .seconds(3))
        _ = machine.start(now: start)
        _ = machine.messageReceived(message(#"{"type":"register"}"#), now: start)
        guard case .ping(let next) = machine.timerFired(now: start + .seconds(3)) else {
            Issue.record("a ping is due")
            return
        }
        #expect(next == start + .seconds(6))
        machine.heard(at: start + .seconds(4))
        guard case .ping = machine.timerFired(now: start + .seconds(6)) else {
            Issue.record("heard 2 s ago: ping again")
            return
        }
        #expect(closeCode(of: machine.timerFired(now: start + .seconds(10))) == .pingTimeout)
    }

    @Test func theClosingHandshakeEndsWhenTheTimerFiresOrTheClientAnswers() {
        var machine = started("a")
        guard case .close(let code, let due) = machine.closeRequested(.shuttingDown, now: start) else {
            Issue.record("expected a close")
            return
        }
        #expect(code == .shuttingDown && due == start + .seconds(5))
        if case .none = machine.closeRequested(.replaced, now: start) {} else { Issue.record("closing is idempotent") }
        if case .closeConnection = machine.timerFired(now: due) {} else { Issue.record("the timer ends the handshake") }
        if case .closeConnection = machine.closeFrameReceived(payload: closePayload(1000), now: start) {} else {
            Issue.record("the client's answer ends the handshake")
        }
        #expect(machine.closeCode == .shuttingDown)
    }

    // MARK: - Closing

    @Test func theClientsCloseIsEchoedOrAnsweredWithProtocolError() {
        var utf8Reason = closePayload(1000)
        utf8Reason.writeString("bye é")
        var notUTF8Reason = closePayload(1000)
        notUTF8Reason.writeBytes([0x62, 0xC3])
        let cases: [(ByteBuffer, CloseCode)] = [
            (ByteBuffer(), .echoing(1000)),
            (closePayload(1001), .echoing(1001)),
            (closePayload(4000), .echoing(4000)),
            (utf8Reason, .echoing(1000)),
            (closePayload(1005), .invalidCloseCode),
            (closePayload(1006), .invalidCloseCode),
            (closePayload(999), .invalidCloseCode),
            (closePayload(2999), .invalidCloseCode),
            (closePayload(5000), .invalidCloseCode),
            (ByteBuffer(bytes: [0x03]), .oneByteCloseBody),
            (notUTF8Reason, .invalidCloseReason),
        ]
        for (index, (payload, expected)) in cases.enumerated() {
            var machine = started("n\(index)")
            guard case .closeAfterWriting(let code, _) = machine.closeFrameReceived(payload: payload, now: start) else {
                Issue.record("expected the close to be answered")
                continue
            }
            #expect(code == expected)
            #expect(machine.closeCode == expected)
        }
        #expect(directory.memberCount == 0)
    }

    @Test func everyFrameViolationHasItsCloseCode() {
        let cases: [(SignalSessionStateMachine.FrameViolation, CloseCode)] = [
            (.binaryFrame, .binaryFrame),
            (.textInsideFragment, .textInsideFragment),
            (.continuationWithoutMessage, .continuationWithoutMessage),
            (.messageTooLarge, .messageTooLarge),
            (.reservedBits, .reservedBitsSet),
            (.reservedOpcode, .reservedOpcode),
            (.unmaskedFrame, .unmaskedFrame),
        ]
        for (index, (violation, expected)) in cases.enumerated() {
            var machine = started("n\(index)")
            #expect(closeCode(of: machine.frameViolation(violation, now: start)) == expected)
        }
        for (oversized, expected) in [(true, CloseCode.messageTooLarge), (false, .protocolError)] {
            var machine = started("u")
            guard case .closeAfterWriting(let code, _) = machine.frameViolation(.undecodable(oversized: oversized), now: start) else {
                Issue.record("an undecodable frame ends the socket after the close frame")
                continue
            }
            #expect(code == expected)
        }
        #expect(directory.memberCount == 0)
    }

    @Test func aSlowConsumerIsClosed1008AndAHalfClosedSocketEndsAtOnce() {
        var slow = started("slow")
        #expect(closeCode(of: slow.writabilityLost(now: start)) == .slowConsumer)
        var halfClosed = started("half")
        if case .closeConnection = halfClosed.inputClosed() {} else { Issue.record("a half-closed socket ends at once") }
        #expect(directory.memberCount == 0)
    }

    @Test func pingsAreAnsweredOnlyWhileOpen() {
        var machine = started("a")
        let payload = ByteBuffer(string: "hi")
        guard case .pong(let echoed) = machine.pingReceived(payload: payload) else {
            Issue.record("expected a pong")
            return
        }
        #expect(echoed == payload)
        _ = machine.closeRequested(.shuttingDown, now: start)
        if case .none = machine.pingReceived(payload: payload) {} else { Issue.record("no pong while closing") }
    }

    @Test func channelInactiveLeavesTheRoomWithCode1006WhenNothingWasSent() {
        var machine = started("a")
        machine.channelInactive()
        #expect(machine.closeCode == .abnormalClosure)
        #expect(directory.memberCount == 0 && directory.roomCount == 0)
    }

    // MARK: - Message rate

    @Test func overTheMessageRateOneErrorThenDropsThenClose1008() {
        var machine = rateLimited(Rate(3, per: TimeToLive(seconds: 3)))
        let actions = (0..<7).map { _ in machine.messageReceived(message(#"{"type":"heartbeat"}"#), now: start) }
        // Three pass; the fourth is dropped with the error; the next are dropped silently, and
        // the one that makes a bucketful more after the error closes the socket.
        #expect(actions.prefix(3).allSatisfy(isNothing))
        #expect(isRateLimitedError(actions[3]))
        #expect(actions[4...5].allSatisfy(isNothing))
        #expect(closeCode(of: actions[6]) == .rateLimited)
        #expect(machine.closeCode == CloseCode(1008, "rate limit exceeded"))
    }

    @Test func whenTheRateAllowsAgainAMessagePassesAndALaterFloodIsWarnedAgain() {
        var machine = rateLimited(Rate(3, per: TimeToLive(seconds: 3)))
        let heartbeat = #"{"type":"heartbeat"}"#
        let burst = (0..<5).map { _ in machine.messageReceived(message(heartbeat), now: start) }
        #expect(isRateLimitedError(burst[3]) && isNothing(burst[4]))
        // One token a second comes back.
        let later = (0..<2).map { _ in machine.messageReceived(message(#"{"type":"nonsense"}"#), now: start + .seconds(1)) }
        #expect(sentFrame(later[0]) == .error(.badMessage, "unknown message type"), "the message was handled")
        #expect(isRateLimitedError(later[1]), "a new flood gets the error again")
        #expect(machine.isOpen)
    }

    private func rateLimited(_ rate: Rate) -> SignalSessionStateMachine {
        let settings = SessionSettings(
            directory: directory, consumerAuthentication: .open, registerTimeout: .seconds(10), messageRate: rate, pingInterval: .seconds(30))
        var machine = SignalSessionStateMachine(
            admission: .admit(room: "room", nodeId: "a", authorized: true), request: Admission.Request(), peer: IdentityPeer(),
            settings: settings)
        _ = machine.start(now: start)
        return machine
    }

    private func isNothing(_ action: SignalSessionStateMachine.Action) -> Bool {
        if case .none = action { true } else { false }
    }

    private func isRateLimitedError(_ action: SignalSessionStateMachine.Action) -> Bool {
        if case .error(.rateLimited, _)? = sentFrame(action) { true } else { false }
    }

    // MARK: - Helpers

    // MARK: - Room tokens: revocation and expiry

    @Test func aRevokedTokenIsClosed4003AndLeavesTheKeysHolderAlone() throws {
        let revocations = RevocationList(maximumTokenLifetime: 86_400)
        let settings = SessionSettings(
            directory: directory, consumerAuthentication: .open, registerTimeout: .seconds(10), pingInterval: .seconds(30),
            revocations: revocations)
        let holderPeer = IdentityPeer()
        var holder = SignalSessionStateMachine(
            admission: .admit(room: "room", nodeId: "a", authorized: true, token: token(id: "kept")), request: Admission.Request(),
            peer: holderPeer, settings: settings)
        _ = holder.start(now: start)
        #expect(revocations.holderCount == 1)
        _ = try revocations.revoke(.tokenID("revoked"))
        var newcomer = SignalSessionStateMachine(
            admission: .admit(room: "room", nodeId: "a", authorized: true, token: token(id: "revoked")), request: Admission.Request(),
            peer: IdentityPeer(), settings: settings)
        #expect(closeCode(of: newcomer.start(now: start)) == .tokenRevoked)
        #expect(route("a", from: .normal) === holderPeer)
        // Leaving stops the list tracking the holder.
        #expect(closeCode(of: holder.closeRequested(.tokenRevoked, now: start)) == .tokenRevoked)
        #expect(revocations.holderCount == 0)
    }

    @Test func withCloseOnTokenExpiryTheTimerClosesTheSocketAtExp() {
        let wallClock = Date(timeIntervalSince1970: 1_800_000_000)
        let settings = SessionSettings(
            directory: directory, consumerAuthentication: .open, registerTimeout: .seconds(10), pingInterval: .seconds(30),
            closeOnTokenExpiry: true)
        var machine = SignalSessionStateMachine(
            admission: .admit(room: "room", nodeId: "n", authorized: true, token: token(expiresAt: wallClock + 25)),
            request: Admission.Request(), peer: IdentityPeer(), settings: settings)
        guard case .admitted(_, let due) = machine.start(now: start, wallClock: wallClock) else {
            Issue.record("expected admission")
            return
        }
        #expect(due == start + .seconds(10))  // the register deadline comes first
        _ = machine.messageReceived(message(#"{"type":"register"}"#), now: start + .seconds(1))
        guard case .armTimer(let next) = machine.timerFired(now: start + .seconds(10)) else {
            Issue.record("expected the timer to be armed for the token's expiry")
            return
        }
        #expect(next == start + .seconds(25))
        #expect(closeCode(of: machine.timerFired(now: next)) == .tokenExpired)
        #expect(directory.memberCount == 0)
    }

    @Test func byDefaultTheTokensExpiryArmsNoTimer() {
        let wallClock = Date(timeIntervalSince1970: 1_800_000_000)
        var machine = SignalSessionStateMachine(
            admission: .admit(room: "room", nodeId: "n", authorized: true, token: token(expiresAt: wallClock + 5)),
            request: Admission.Request(), peer: IdentityPeer(), settings: settings())
        guard case .admitted(_, let due) = machine.start(now: start, wallClock: wallClock) else {
            Issue.record("expected admission")
            return
        }
        #expect(due == start + .seconds(10))
        _ = machine.messageReceived(message(#"{"type":"register"}"#), now: start)
        #expect(closeCode(of: machine.timerFired(now: start + .seconds(10))) == nil)
        #expect(machine.isOpen)
    }

    private func token(id: String? = nil, expiresAt: Date = Date() + 3600) -> RoomTokenClaims {
        RoomTokenClaims(subject: "room", issuer: "iss", audience: ["aud"], expiresAt: expiresAt, issuedAt: Date(), notBefore: nil, tokenID: id)
    }

    private func settings(
        registerTimeout: TimeAmount = .seconds(10), pingInterval: TimeAmount = .seconds(30),
        consumers: ConsumerAuthentication = .open
    ) -> SessionSettings {
        SessionSettings(directory: directory, consumerAuthentication: consumers, registerTimeout: registerTimeout, pingInterval: pingInterval)
    }

    private func session(
        _ nodeId: String, authorized: Bool = true, peer: IdentityPeer = IdentityPeer(),
        registerTimeout: TimeAmount = .seconds(10), pingInterval: TimeAmount = .seconds(30), consumers: ConsumerAuthentication = .open
    ) -> SignalSessionStateMachine {
        SignalSessionStateMachine(
            admission: .admit(room: "room", nodeId: nodeId, authorized: authorized), request: Admission.Request(), peer: peer,
            settings: settings(registerTimeout: registerTimeout, pingInterval: pingInterval, consumers: consumers))
    }

    private func started(_ nodeId: String, authorized: Bool = true, consumers: ConsumerAuthentication = .open) -> SignalSessionStateMachine {
        var machine = session(nodeId, authorized: authorized, consumers: consumers)
        _ = machine.start(now: start)
        return machine
    }

    private func route(_ nodeId: String, from role: PeerRole) -> (any PeerConnection)? {
        guard case .deliver(let peer) = directory.route(from: role, room: "room", to: nodeId) else { return nil }
        return peer
    }

    /// A message as the socket handler hands it over: with `headroom` free bytes in front.
    private func message(_ text: String, headroom: Int = SignalSessionStateMachine.frameHeaderRoom) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeRepeatingByte(0, count: headroom)
        buffer.moveReaderIndex(forwardBy: headroom)
        buffer.writeString(text)
        return buffer
    }

    private func closePayload(_ code: UInt16) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(code)
        return buffer
    }

    private func closeCode(of action: SignalSessionStateMachine.Action) -> CloseCode? {
        guard case .close(let code, _) = action else { return nil }
        return code
    }

    private func sentFrame(_ action: SignalSessionStateMachine.Action) -> ServerFrame? {
        guard case .send(let frame) = action else { return nil }
        return frame
    }

    private func refusal(_ action: SignalSessionStateMachine.Action) -> ConsumerRefusal? {
        guard case .refuseConsumer(let refusal, _) = action else { return nil }
        return refusal
    }
}

/// A peer handle: in these tests only its identity matters.
final class IdentityPeer: PeerConnection {
    func deliver(_ text: ByteBuffer) {}
    func close(_ code: CloseCode) {}
    func listReady(_ nodeIds: [String]) {}
}
