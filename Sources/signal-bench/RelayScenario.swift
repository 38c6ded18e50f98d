import NIOCore
import Synchronization

/// `relay`: P pairs, one room each, ping-ponging `offer` frames with a fake SDP; every
/// delivered frame is checked for the stamped `from`. Against several instances sharing rooms
/// through Redis, pairs are spread over the instances, and ``Placement`` says whether the two
/// peers of a pair are on the same instance or on two different ones.
enum RelayScenario {
    /// Where the two sockets of a pair connect, when there are several instances.
    enum Placement: String, Codable, Sendable {
        /// Both peers of pair `i` on instance `i mod N`: relays never leave the instance.
        case sameInstance = "same-instance"
        /// Peer `a` of pair `i` on instance `i mod N`, peer `b` on the next one: every relay
        /// crosses instances through Redis.
        case crossInstance = "cross-instance"
    }

    struct Result: Codable, Sendable {
        let scenario: String
        let target: String
        let instances: Int
        let placement: Placement
        let pairs: Int
        let seconds: Double
        let messages: Int
        let messagesPerSecond: Double
        /// CPU of every counted process (all instances and Redis) over the wall time.
        let serverCPUShare: Double?
        let serverMicrosecondsPerMessage: Double?
        let roundTrip: LatencySummary
        let badFrames: Int
    }

    /// Runs the relay over `instances` (one, or several sharing rooms), counting the CPU of `counted`.
    static func run(
        _ instances: [BenchTarget], counting counted: [ServerProcess], placement: Placement, pairs: Int, seconds: Double, sdpBytes: Int
    ) async throws -> Result {
        guard placement == .sameInstance || instances.count > 1 else { throw BenchError("cross-instance placement needs two instances or more") }
        let tally = RelayTally()
        let sdp = String(repeating: "a", count: sdpBytes)
        var pairList: [RelayPair] = []
        var connections: [EventLoopFuture<any Channel>] = []
        for index in 0..<pairs {
            let pair = RelayPair(tally: tally, sdp: sdp)
            pairList.append(pair)
            let a = instances[index % instances.count]
            let b = placement == .sameInstance ? a : instances[(index + 1) % instances.count]
            connections.append(a.connect(room: "relay-\(index)", nodeId: "a", delegate: RelaySide(pair: pair, isA: true)))
            connections.append(b.connect(room: "relay-\(index)", nodeId: "b", delegate: RelaySide(pair: pair, isA: false)))
        }
        var channels: [any Channel] = []
        for connection in connections { channels.append(try await connection.get()) }
        try await tally.ready.await(pairs, within: .seconds(30), "pairs registered")

        let window = CPUWindow(processes: counted)
        tally.running.store(true, ordering: .relaxed)
        for pair in pairList { pair.start() }
        try await ContinuousClock().sleep(for: .seconds(seconds))
        tally.running.store(false, ordering: .relaxed)
        let (wall, cpu) = window.close()
        let messages = tally.messages.load(ordering: .relaxed)
        // Each pair has one offer in flight: its round trip is timed too, so even a run shorter
        // than one round trip on a loaded machine reports a latency.
        try await tally.finished.await(pairs, within: .seconds(30), "pairs finished their last round trip")
        for channel in channels { channel.close(promise: nil) }

        return Result(
            scenario: "relay", target: instances[0].kind.name, instances: instances.count, placement: placement, pairs: pairs,
            seconds: wall, messages: messages, messagesPerSecond: Double(messages) / wall, serverCPUShare: cpu.map { $0 / wall },
            serverMicrosecondsPerMessage: cpu.map { messages > 0 ? $0 * 1e6 / Double(messages) : 0 },
            roundTrip: tally.latency.summary, badFrames: tally.badFrames.load(ordering: .relaxed))
    }
}

/// Counters shared by all pairs.
final class RelayTally: Sendable {
    let running = Atomic<Bool>(false)
    let messages = Atomic<Int>(0)
    let badFrames = Atomic<Int>(0)
    /// Pairs with both sockets registered.
    let ready = Atomic<Int>(0)
    /// Pairs whose last round trip came back after the run stopped.
    let finished = Atomic<Int>(0)
    let latency = LatencyRecorder()
}

extension Atomic<Int> {
    /// Waits until the count reaches `target`; throws after `limit` saying how many of `what` there were.
    func await(_ target: Int, within limit: Duration, _ what: String) async throws {
        let deadline = ContinuousClock.now + limit
        while load(ordering: .relaxed) < target {
            guard ContinuousClock.now < deadline else { throw BenchError("only \(load(ordering: .relaxed)) of \(target) \(what)") }
            try await ContinuousClock().sleep(for: .milliseconds(10))
        }
    }
}

/// One socket of a pair: which side it is, whatever order the connections complete in.
final class RelaySide: RawWebSocket.Delegate, @unchecked Sendable {
    let pair: RelayPair
    let isA: Bool

    init(pair: RelayPair, isA: Bool) {
        self.pair = pair
        self.isA = isA
    }

    func opened(_ socket: RawWebSocket, context: ChannelHandlerContext) {
        pair.opened(socket, isA: isA)
    }

    func received(_ payload: UnsafeRawBufferPointer, socket: RawWebSocket, context: ChannelHandlerContext) {
        pair.received(payload, isA: isA)
    }

    func closed(_ socket: RawWebSocket) {}
}

/// One pair: `a` sends an offer to `b`, `b` answers with an offer to `a`, and so on; `a`
/// measures the round trip. `a`'s state is touched on `a`'s event loop only, `b`'s on `b`'s;
/// the two may differ (the generator runs one loop per CPU it may use).
final class RelayPair: @unchecked Sendable {
    private let tally: RelayTally
    private let offerToB: ByteBuffer
    private let offerToA: ByteBuffer
    // Weak: each socket's handler holds this pair through its delegate; strong references back
    // would keep both alive after their channels close (LeakSanitizer reported the cycle).
    private weak var a: RawWebSocket?
    private weak var b: RawWebSocket?
    /// Sockets of the pair that got their list; both answers may arrive at once on two loops.
    private let registered = Atomic<Int>(0)
    private var sentAt = ContinuousClock.now

    init(tally: RelayTally, sdp: String) {
        self.tally = tally
        offerToB = RawWebSocket.maskedTextFrame(#"{"type":"offer","to":"b","sdp":"\#(sdp)"}"#)
        offerToA = RawWebSocket.maskedTextFrame(#"{"type":"offer","to":"a","sdp":"\#(sdp)"}"#)
    }

    /// Sends the first offer (called once all pairs are ready).
    func start() {
        guard let loop = a?.context?.eventLoop else { return }
        loop.execute {
            self.sentAt = .now
            self.a?.send(self.offerToB)
        }
    }

    func opened(_ socket: RawWebSocket, isA: Bool) {
        if isA { a = socket } else { b = socket }
        socket.send(registerFrame)
    }

    func received(_ payload: UnsafeRawBufferPointer, isA: Bool) {
        if payload.starts(with: #"{"type":"peer-list""#.utf8) || payload.starts(with: #"{"type":"server-list""#.utf8) {
            if registered.add(1, ordering: .relaxed).newValue == 2 { tally.ready.add(1, ordering: .relaxed) }
            return
        }
        let fromA = #"{"from":"a""#.utf8, fromB = #"{"from":"b""#.utf8
        if !isA {
            guard payload.starts(with: fromA) else { return tallyBad() }
            tally.messages.add(1, ordering: .relaxed)
            b?.send(offerToA)
        } else {
            guard payload.starts(with: fromB) else { return tallyBad() }
            tally.messages.add(1, ordering: .relaxed)
            let now = ContinuousClock.now
            let elapsed = now - sentAt
            tally.latency.record(microseconds: UInt64(elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000))
            if tally.running.load(ordering: .relaxed) {
                sentAt = now
                a?.send(offerToB)
            } else {
                tally.finished.add(1, ordering: .relaxed)
            }
        }
    }

    private func tallyBad() {
        tally.badFrames.add(1, ordering: .relaxed)
    }
}

/// A benchmark that could not run as asked.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
