import Foundation
import NIOCore
import NIOPosix
import NIOConcurrencyHelpers
import Synchronization

/// `hold` (the soak's second phase, while `silent` processes flood the server with TCP
/// connections that never speak): opens token-less sockets and holds them, keeps a registered
/// pair relaying, and probes `/health` both over one kept-alive connection (every 10 ms) and on
/// a fresh connection (every 100 ms). Passes when the kept-alive probe's p99 is under 50 ms with
/// no failure, the pair relayed throughout without a bad frame, and every token-less socket was
/// answered (admitted, or refused with a status).
enum HoldScenario {
    struct Result: Codable, Sendable {
        let scenario: String
        let seconds: Double
        let tokenless: Int
        let tokenlessAdmitted: Int
        let tokenlessRefused: Int
        let tokenlessUnanswered: Int
        let tokenlessClosedWhileHeld: Int
        let relayMessages: Int
        let relayBadFrames: Int
        let healthProbes: UInt64
        let healthFailures: Int
        /// Kept-alive `/health` latency, microseconds.
        let health: LatencySummary
        let freshHealthProbes: UInt64
        let freshHealthFailures: Int
        /// Fresh-connection `/health` latency (TCP connect included), microseconds.
        let freshHealth: LatencySummary
        let passed: Bool
        let problems: [String]
    }

    /// The kept-alive `/health` p99 must stay under this, in microseconds.
    static let healthP99Limit: UInt64 = 50_000

    static func run(_ bench: BenchTarget, tokenless: Int, concurrency: Int, seconds: Double) async throws -> Result {
        let relay = RelayTally()
        let pair = RelayPair(tally: relay, sdp: "hold")
        let pairChannels = [
            try await bench.connect(room: "soak-pair", nodeId: "a", delegate: RelaySide(pair: pair, isA: true)).get(),
            try await bench.connect(room: "soak-pair", nodeId: "b", delegate: RelaySide(pair: pair, isA: false)).get(),
        ]
        try await relay.ready.await(1, within: .seconds(30), "pairs registered")
        let (probe, probeChannel) = try await KeepAliveHealthProbe.connect(to: bench)

        // scripts/soak starts the silent flood once this line appears.
        FileHandle.standardError.write(Data("hold: pair registered and /health probe connected\n".utf8))
        relay.running.store(true, ordering: .relaxed)
        pair.start()
        let until = ContinuousClock.now + .seconds(seconds)
        let sockets = TokenlessTally()
        async let fresh = freshHealthProbes(bench, until: until)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    while ContinuousClock.now < until {
                        let index = sockets.next.add(1, ordering: .relaxed).oldValue
                        guard index < tokenless else { return }
                        let socket = TokenlessSocket(tally: sockets, loop: bench.group.next())
                        if let channel = try? await bench.connect(requestTarget: "/signal?room=hold-\(index)&nodeId=t\(index)", delegate: socket)
                            .get()
                        {
                            sockets.channels.withLockedValue { $0.append(channel) }
                            let wait = max(until - ContinuousClock.now, .milliseconds(1))
                            _ = try? await withTimeout(wait) { try await socket.answered.futureResult.get() }
                        }
                    }
                }
            }
        }
        let relayedBeforeLastSecond = relay.messages.load(ordering: .relaxed)
        let remaining = until - ContinuousClock.now
        if remaining > .seconds(1) { try await ContinuousClock().sleep(for: remaining) }
        let (freshLatency, freshFailures) = try await fresh
        let relayedInLastSecond = relay.messages.load(ordering: .relaxed) - relayedBeforeLastSecond
        relay.running.store(false, ordering: .relaxed)
        probe.stop()

        let admitted = sockets.admitted.load(ordering: .relaxed)
        let refused = sockets.refused.load(ordering: .relaxed)
        let closedWhileHeld = sockets.closedAfterAdmission.load(ordering: .relaxed)
        for channel in sockets.channels.withLockedValue({ $0 }) + pairChannels + [probeChannel] { channel.close(promise: nil) }

        let health = probe.latency.summary
        var problems: [String] = []
        if health.p99 >= healthP99Limit { problems.append("kept-alive /health p99 \(health.p99) µs, limit \(healthP99Limit) µs") }
        if probe.failures.load(ordering: .relaxed) > 0 || probe.latency.count == 0 { problems.append("kept-alive /health probe failed") }
        if relay.badFrames.load(ordering: .relaxed) > 0 { problems.append("the pair received frames it did not expect") }
        if relayedInLastSecond == 0 { problems.append("the pair stopped relaying") }
        if admitted + refused < tokenless { problems.append("\(tokenless - admitted - refused) token-less sockets got no answer") }
        return Result(
            scenario: "hold", seconds: seconds, tokenless: tokenless, tokenlessAdmitted: admitted, tokenlessRefused: refused,
            tokenlessUnanswered: tokenless - admitted - refused, tokenlessClosedWhileHeld: closedWhileHeld,
            relayMessages: relay.messages.load(ordering: .relaxed), relayBadFrames: relay.badFrames.load(ordering: .relaxed),
            healthProbes: probe.latency.count, healthFailures: probe.failures.load(ordering: .relaxed), health: health,
            freshHealthProbes: freshLatency.count, freshHealthFailures: freshFailures, freshHealth: freshLatency.summary,
            passed: problems.isEmpty, problems: problems)
    }

    /// `/health` on a new connection every 100 ms until `until`: latencies and failures.
    private static func freshHealthProbes(_ bench: BenchTarget, until: ContinuousClock.Instant) async throws -> (LatencyRecorder, Int) {
        let latency = LatencyRecorder()
        var failures = 0
        while ContinuousClock.now < until {
            let started = ContinuousClock.now
            do {
                let (status, _) = try await withTimeout(.seconds(5)) {
                    try await HTTPProbe.get(host: bench.host, port: bench.port, path: "/health", group: bench.group)
                }
                if status == 200 { latency.record(microseconds: microseconds(since: started)) } else { failures += 1 }
            } catch {
                failures += 1
            }
            try await ContinuousClock().sleep(until: started + .milliseconds(100))
        }
        return (latency, failures)
    }
}

/// What became of the token-less sockets.
private final class TokenlessTally: Sendable {
    let next = Atomic<Int>(0)
    let admitted = Atomic<Int>(0)
    let refused = Atomic<Int>(0)
    let closedAfterAdmission = Atomic<Int>(0)
    let channels = NIOLockedValueBox<[any Channel]>([])
}

/// A socket upgraded without a token that sends nothing; `answered` completes at the upgrade
/// (admitted) or when the connection ends before it (refused).
private final class TokenlessSocket: RawWebSocket.Delegate, @unchecked Sendable {
    let answered: EventLoopPromise<Void>
    private let tally: TokenlessTally
    private var isOpen = false

    init(tally: TokenlessTally, loop: any EventLoop) {
        self.tally = tally
        answered = loop.makePromise()
    }

    func opened(_ socket: RawWebSocket, context: ChannelHandlerContext) {
        isOpen = true
        tally.admitted.add(1, ordering: .relaxed)
        answered.succeed()
    }

    func received(_ payload: UnsafeRawBufferPointer, socket: RawWebSocket, context: ChannelHandlerContext) {}

    func closed(_ socket: RawWebSocket) {
        if isOpen {
            tally.closedAfterAdmission.add(1, ordering: .relaxed)
        } else {
            tally.refused.add(1, ordering: .relaxed)
            answered.succeed()
        }
    }
}
