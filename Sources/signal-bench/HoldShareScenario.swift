import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Synchronization

/// `hold-share`: one load-generator process's share of ``ClusterHoldScenario`` (a process may
/// hold at most 20,000 open files here, so 100,000 sockets take several). Socket `i` of the
/// whole hold joins room `i / N` as `n(i mod N)` on instance `(i / N + i mod N) mod N`, for `N`
/// instances: every room has one peer on each instance. Generator `g` of `G` opens sockets
/// `M·g/G ..< M·(g+1)/G` of `M`, writes a ``Report`` line once they are registered, holds them
/// until a line (or the end) arrives on its standard input or `maximumHoldSeconds` pass, then
/// returns its final ``Report``.
enum HoldShareScenario {
    /// A generator's progress: written once its sockets are open (`released` false), and once
    /// they have been held and released.
    struct Report: Codable, Sendable {
        let scenario: String
        let generator: Int
        /// The sockets of its share.
        let sockets: Int
        let registered: Int
        let failures: Int
        /// What went wrong with the first socket that failed.
        let firstFailure: String?
        let openSeconds: Double
        let released: Bool
        /// Registered sockets found closed at the release.
        let closedWhileHeld: Int
    }

    /// Opens generator `generator`'s share of `total` sockets over `instances`, reports, holds
    /// them until released, and returns the final report.
    static func run(
        _ instances: [BenchTarget], total: Int, generators: Int, generator: Int, concurrency: Int, maximumHoldSeconds: Double
    ) async throws -> Report {
        let loop = instances[0].group.next()
        let release = Release(promise: loop.makePromise())
        Thread {
            // The parent writes a line to release the sockets; EOF means it is gone. Before the
            // sockets are all open, either means the run was given up: stop at once.
            _ = readLine()
            guard release.holding else {
                FileHandle.standardError.write(Data("hold-share \(generator): stopped before its sockets were open\n".utf8))
                exit(1)
            }
            release.fire()
        }.start()

        let share = (total * generator / generators)..<(total * (generator + 1) / generators)
        let size = instances.count
        // Tokens are minted before the clock starts.
        let targets = share.map { index in
            let (room, member) = index.quotientAndRemainder(dividingBy: size)
            return (instances[(room + member) % size], instances[0].target(room: "cluster-\(room)", nodeId: "n\(member)"))
        }
        let started = ContinuousClock.now
        let opened = await ConnectScenario.openRegistered(count: targets.count, concurrency: concurrency, group: instances[0].group) {
            index, socket in
            targets[index].0.connect(requestTarget: targets[index].1, delegate: socket)
        }
        let openSeconds = Double(microseconds(since: started)) / 1e6
        let channels = opened.channels.withLockedValue { $0 }
        func report(released: Bool) -> Report {
            Report(
                scenario: "hold-share", generator: generator, sockets: targets.count, registered: channels.count,
                failures: opened.failures.load(ordering: .relaxed), firstFailure: opened.firstFailure.withLockedValue { $0 },
                openSeconds: openSeconds, released: released, closedWhileHeld: released ? channels.filter { !$0.isActive }.count : 0)
        }
        release.hold()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        FileHandle.standardOutput.write(try encoder.encode(report(released: false)) + Data("\n".utf8))

        loop.scheduleTask(in: .nanoseconds(Int64(maximumHoldSeconds * 1e9))) { release.fire() }
        try await release.promise.futureResult.get()
        let final = report(released: true)
        for channel in channels { channel.close(promise: nil) }
        return final
    }
}

/// Completes its promise once, whichever comes first: the parent's line or the hold's limit.
private final class Release: Sendable {
    let promise: EventLoopPromise<Void>
    private let done = Atomic<Bool>(false)
    private let held = Atomic<Bool>(false)

    init(promise: EventLoopPromise<Void>) { self.promise = promise }

    /// Whether the sockets are all open and held.
    var holding: Bool { held.load(ordering: .sequentiallyConsistent) }

    /// Marks the sockets as open and held.
    func hold() { held.store(true, ordering: .sequentiallyConsistent) }

    func fire() {
        if done.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged { promise.succeed() }
    }
}
