import NIOCore
import NIOPosix
import Synchronization

/// `mint`: `POST /token` over C keep-alive connections, one request in flight on each.
enum MintScenario {
    struct Result: Codable, Sendable {
        let scenario: String
        let concurrency: Int
        let seconds: Double
        let requests: Int
        let requestsPerSecond: Double
        let serverCPUShare: Double?
        let serverMicrosecondsPerRequest: Double?
        let latency: LatencySummary
        let failures: Int
    }

    static func run(_ bench: BenchTarget, adminSecret: String, concurrency: Int, seconds: Double) async throws -> Result {
        let tally = MintTally(until: ContinuousClock.now + .seconds(seconds))
        let request = RawHTTPClient.request(
            method: "POST", path: "/token", host: "\(bench.host):\(bench.port)",
            headers: ["x-admin-secret": adminSecret, "content-type": "application/json"],
            body: #"{"ttl":"1h","subject":"bench-room"}"#)
        let window = CPUWindow(server: bench.server)
        var closed: [EventLoopFuture<Void>] = []
        for _ in 0..<concurrency {
            let client = MintConnection(tally: tally)
            let channel = try await ClientBootstrap(group: bench.group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(RawHTTPClient(request: request, delegate: client))
                    }
                }
                .connect(host: bench.host, port: bench.port).get()
            closed.append(channel.closeFuture)
        }
        for future in closed { try? await future.get() }
        let (wall, cpu) = window.close()
        let requests = tally.requests.load(ordering: .relaxed)
        return Result(
            scenario: "mint", concurrency: concurrency, seconds: wall, requests: requests,
            requestsPerSecond: Double(requests) / wall, serverCPUShare: cpu.map { $0 / wall },
            serverMicrosecondsPerRequest: cpu.map { requests > 0 ? $0 * 1e6 / Double(requests) : 0 },
            latency: tally.latency.summary, failures: tally.failures.load(ordering: .relaxed))
    }
}

final class MintTally: Sendable {
    let until: ContinuousClock.Instant
    let requests = Atomic<Int>(0)
    let failures = Atomic<Int>(0)
    let latency = LatencyRecorder()
    init(until: ContinuousClock.Instant) { self.until = until }
}

/// One keep-alive connection minting tokens until the deadline.
final class MintConnection: RawHTTPClient.Delegate, @unchecked Sendable {
    private let tally: MintTally
    private var sentAt = ContinuousClock.now

    init(tally: MintTally) { self.tally = tally }

    func response(status: Int, body: ByteBufferView) -> Bool {
        let now = ContinuousClock.now
        if status == 201 && body.starts(with: #"{"token":""#.utf8) {
            tally.requests.add(1, ordering: .relaxed)
            tally.latency.record(microseconds: microseconds(since: sentAt))
        } else {
            tally.failures.add(1, ordering: .relaxed)
        }
        sentAt = now
        return now < tally.until
    }

    func finished() {}
}
