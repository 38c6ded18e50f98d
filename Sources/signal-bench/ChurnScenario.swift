import NIOCore
import NIOPosix
import Synchronization

/// `churn` (the soak's first phase): N connect → `register` → `peer-list` → close cycles, C at
/// a time, then the server's resident size must come back to within 10% of where it started.
enum ChurnScenario {
    struct Result: Codable, Sendable {
        let scenario: String
        let cycles: Int
        let concurrency: Int
        let seconds: Double
        let cyclesPerSecond: Double
        let failures: Int
        let serverRSSBeforeKiB: Int?
        let serverRSSAfterKiB: Int?
        let passed: Bool
        let problems: [String]
    }

    /// The resident size after churn may exceed the start by this fraction at most.
    static let rssTolerance = 0.10

    /// Runs `cycles` cycles (or until `maximumSeconds` pass), each in one of `concurrency` rooms.
    static func run(_ bench: BenchTarget, cycles: Int, concurrency: Int, maximumSeconds: Double) async throws -> Result {
        // One token per worker's room, minted before the clock starts; nodeIds change every cycle.
        let targets = (0..<concurrency).map { bench.target(room: "churn-\($0)", nodeId: "node") }
        // The start is measured after a warm-up (1% of the cycles, at least 1,000): the first
        // cycles fill the allocator's arenas and caches, which is not growth.
        let warmUp = ChurnTally()
        await churn(bench, targets: targets, cycles: max(1_000, cycles / 100), tally: warmUp, deadline: .now + .seconds(maximumSeconds))
        if bench.server != nil { try await HTTPProbe.awaitNoPeers(host: bench.host, port: bench.port, group: bench.group) }
        let rssBefore = bench.server?.residentKiB()
        let tally = ChurnTally()
        let started = ContinuousClock.now
        await churn(bench, targets: targets, cycles: cycles, tally: tally, deadline: started + .seconds(maximumSeconds))
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let completed = min(tally.next.load(ordering: .relaxed), cycles)
        var problems: [String] = []
        if completed < cycles { problems.append("only \(completed) of \(cycles) cycles within \(maximumSeconds) s") }
        let failed = tally.failures.load(ordering: .relaxed)
        if failed > 0 { problems.append("\(failed) cycles failed") }

        var rssAfter: Int?
        if let server = bench.server, let rssBefore {
            try await HTTPProbe.awaitNoPeers(host: bench.host, port: bench.port, group: bench.group)
            // The heap is trimmed once the last socket has gone; give that 10 s to show.
            let limit = Int(Double(rssBefore) * (1 + rssTolerance))
            let settle = ContinuousClock.now + .seconds(10)
            rssAfter = server.residentKiB()
            while let current = rssAfter, current > limit, ContinuousClock.now < settle {
                try await ContinuousClock().sleep(for: .milliseconds(200))
                rssAfter = server.residentKiB()
            }
            if let rssAfter, rssAfter > limit {
                problems.append("server RSS \(rssAfter) KiB after churn, over \(limit) KiB (start \(rssBefore) KiB + 10%)")
            }
        }
        return Result(
            scenario: "churn", cycles: completed, concurrency: concurrency, seconds: seconds,
            cyclesPerSecond: Double(completed) / seconds, failures: failed,
            serverRSSBeforeKiB: rssBefore, serverRSSAfterKiB: rssAfter, passed: problems.isEmpty, problems: problems)
    }

    /// `cycles` connect → register → close cycles, one worker per target, until `deadline`.
    private static func churn(_ bench: BenchTarget, targets: [String], cycles: Int, tally: ChurnTally, deadline: ContinuousClock.Instant) async {
        await withTaskGroup(of: Void.self) { group in
            for target in targets {
                group.addTask {
                    while ContinuousClock.now < deadline {
                        let index = tally.next.add(1, ordering: .relaxed).oldValue
                        guard index < cycles else { return }
                        let socket = RegisteredSocket(loop: bench.group.next())
                        do {
                            let channel = try await bench.connect(requestTarget: target + "-\(index)", delegate: socket).get()
                            do {
                                try await socket.registered.futureResult.get()
                            } catch {
                                tally.failures.add(1, ordering: .relaxed)
                            }
                            try? await channel.close()
                        } catch {
                            tally.failures.add(1, ordering: .relaxed)
                        }
                    }
                }
            }
        }
    }
}

/// Progress shared by the churning tasks.
private final class ChurnTally: Sendable {
    let next = Atomic<Int>(0)
    let failures = Atomic<Int>(0)
}
