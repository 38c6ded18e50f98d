import NIOCore
import NIOPosix
import NIOConcurrencyHelpers
import Synchronization

/// `silent` (load for the soak's hold phase): N TCP connections that never send a byte, held
/// for a number of seconds. The server may refuse them or close them (its request deadline):
/// this process only reports what happened; the `hold` scenario judges the server meanwhile.
enum SilentScenario {
    struct Result: Codable, Sendable {
        let scenario: String
        let connections: Int
        let opened: Int
        let failedToConnect: Int
        let closedByServer: Int
        let seconds: Double
    }

    static func run(_ bench: BenchTarget, count: Int, concurrency: Int, seconds: Double) async throws -> Result {
        let tally = SilentTally()
        let started = ContinuousClock.now
        let until = started + .seconds(seconds)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    while ContinuousClock.now < until {
                        let index = tally.next.add(1, ordering: .relaxed).oldValue
                        guard index < count else { return }
                        do {
                            let channel = try await ClientBootstrap(group: bench.group)
                                .connectTimeout(.seconds(5))
                                .connect(host: bench.host, port: bench.port).get()
                            channel.closeFuture.whenComplete { _ in tally.closed.add(1, ordering: .relaxed) }
                            tally.channels.withLockedValue { $0.append(channel) }
                        } catch {
                            tally.failed.add(1, ordering: .relaxed)
                        }
                    }
                }
            }
        }
        let remaining = until - ContinuousClock.now
        if remaining > .zero { try await ContinuousClock().sleep(for: remaining) }
        let closedByServer = tally.closed.load(ordering: .relaxed)
        let open = tally.channels.withLockedValue { $0 }
        for channel in open { channel.close(promise: nil) }
        return Result(
            scenario: "silent", connections: count, opened: open.count, failedToConnect: tally.failed.load(ordering: .relaxed),
            closedByServer: closedByServer, seconds: seconds)
    }
}

/// Progress shared by the connecting tasks.
private final class SilentTally: Sendable {
    let next = Atomic<Int>(0)
    let failed = Atomic<Int>(0)
    let closed = Atomic<Int>(0)
    let channels = NIOLockedValueBox<[any Channel]>([])
}
