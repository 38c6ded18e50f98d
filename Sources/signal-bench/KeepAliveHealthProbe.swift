import NIOCore
import NIOPosix
import Synchronization

/// `/health` over one connection, again and again: each response's latency from when its
/// request was due.
final class KeepAliveHealthProbe: RawHTTPClient.Delegate, @unchecked Sendable {
    static let interval = TimeAmount.milliseconds(10)
    let latency = LatencyRecorder()
    let failures = Atomic<Int>(0)
    private let running = Atomic<Bool>(true)
    private var sentAt = ContinuousClock.now

    func response(status: Int, body: ByteBufferView) -> Bool {
        if status == 200 { latency.record(microseconds: microseconds(since: sentAt)) } else { failures.add(1, ordering: .relaxed) }
        sentAt = .now + .nanoseconds(Self.interval.nanoseconds)
        return running.load(ordering: .relaxed)
    }

    func finished() {
        if running.load(ordering: .relaxed) { failures.add(1, ordering: .relaxed) }
    }

    func stop() { running.store(false, ordering: .relaxed) }

    /// A probe sending `GET /health` to `bench` every ``interval`` over one connection, and that connection.
    static func connect(to bench: BenchTarget) async throws -> (KeepAliveHealthProbe, any Channel) {
        let probe = KeepAliveHealthProbe()
        let channel = try await ClientBootstrap(group: bench.group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        RawHTTPClient(
                            request: RawHTTPClient.request(method: "GET", path: "/health", host: bench.host), delegate: probe,
                            resendDelay: interval))
                }
            }
            .connect(host: bench.host, port: bench.port).get()
        return (probe, channel)
    }
}
