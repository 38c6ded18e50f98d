import NIOCore
import NIOPosix
import NIOConcurrencyHelpers
import Synchronization

/// `connect` and `idle`: N sockets, C opening at a time, each TCP + upgrade + token check +
/// `register` → `peer-list`, all kept open until the end.
enum ConnectScenario {
    struct Result: Codable, Sendable {
        let scenario: String
        let connections: Int
        let concurrency: Int
        let seconds: Double
        let connectsPerSecond: Double
        let serverCPUShare: Double?
        let connectsPerServerCPUSecond: Double?
        let latency: LatencySummary
        let failures: Int
        let serverRSSBeforeKiB: Int?
        let serverRSSOpenKiB: Int?
        let serverRSSAfterCloseKiB: Int?
        let kibPerConnection: Double?
        let healthMillisecondsWhileOpen: Double?
    }

    /// Opens `count` registered sockets, `concurrency` at a time, each in a room of its own;
    /// measures, then closes them all and measures memory again.
    static func run(_ bench: BenchTarget, scenario: String, count: Int, concurrency: Int) async throws -> Result {
        let rssBefore = bench.server?.residentKiB()
        // Tokens are minted before the clock starts: minting is not what is measured.
        let targets = (0..<count).map { bench.target(room: "room-\($0)", nodeId: "node-\($0)") }
        let window = CPUWindow(server: bench.server)
        let tally = await openRegistered(count: count, concurrency: concurrency, group: bench.group) { index, socket in
            bench.connect(requestTarget: targets[index], delegate: socket)
        }
        let (wall, cpu) = window.close()
        let rssOpen = bench.server?.residentKiB()
        let healthMilliseconds = try? await HTTPProbe.healthMilliseconds(host: bench.host, port: bench.port, group: bench.group)
        let open = tally.channels.withLockedValue { $0 }
        for channel in open { channel.close(promise: nil) }
        var rssAfter: Int?
        if bench.server != nil {
            try await HTTPProbe.awaitNoPeers(host: bench.host, port: bench.port, group: bench.group)
            rssAfter = bench.server?.residentKiB()
        }
        let opened = open.count
        return Result(
            scenario: scenario, connections: opened, concurrency: concurrency, seconds: wall,
            connectsPerSecond: Double(opened) / wall, serverCPUShare: cpu.map { $0 / wall },
            connectsPerServerCPUSecond: cpu.map { $0 > 0 ? Double(opened) / $0 : 0 },
            latency: tally.latency.summary, failures: tally.failures.load(ordering: .relaxed),
            serverRSSBeforeKiB: rssBefore, serverRSSOpenKiB: rssOpen, serverRSSAfterCloseKiB: rssAfter,
            kibPerConnection: zip(rssBefore, rssOpen).map { Double($1 - $0) / Double(max(opened, 1)) },
            healthMillisecondsWhileOpen: healthMilliseconds)
    }

    /// How long a socket may wait for the answer to its `register`.
    static let registerLimit = TimeAmount.seconds(60)

    /// Opens `count` registered sockets, `concurrency` at a time; `connect` opens socket `index`
    /// (0 ..< count) for its delegate. Returns once every socket is registered or has failed.
    static func openRegistered(
        count: Int, concurrency: Int, group: any EventLoopGroup,
        connect: @escaping @Sendable (Int, RegisteredSocket) -> EventLoopFuture<any Channel>
    ) async -> OpenedSockets {
        let tally = OpenedSockets()
        await withTaskGroup(of: Void.self) { tasks in
            for _ in 0..<concurrency {
                tasks.addTask {
                    while true {
                        let index = tally.next.add(1, ordering: .relaxed).oldValue
                        guard index < count else { return }
                        let started = ContinuousClock.now
                        let socket = RegisteredSocket(loop: group.next())
                        var channel: (any Channel)?
                        do {
                            let connected = try await connect(index, socket).get()
                            channel = connected
                            // A register the server never answers fails the socket instead of holding the run.
                            let limit = connected.eventLoop.scheduleTask(in: registerLimit) {
                                socket.registered.fail(BenchError("no answer to register within \(registerLimit)"))
                            }
                            try await socket.registered.futureResult.get()
                            limit.cancel()
                            tally.latency.record(microseconds: microseconds(since: started))
                            tally.channels.withLockedValue { $0.append(connected) }
                        } catch {
                            channel?.close(promise: nil)
                            tally.failures.add(1, ordering: .relaxed)
                            tally.firstFailure.withLockedValue { $0 = $0 ?? "\(error)" }
                        }
                    }
                }
            }
        }
        return tally
    }
}

/// Registered sockets opened by ``ConnectScenario/openRegistered(count:concurrency:group:connect:)``.
final class OpenedSockets: Sendable {
    let next = Atomic<Int>(0)
    let failures = Atomic<Int>(0)
    /// Connect to `peer-list`, microseconds.
    let latency = LatencyRecorder()
    /// The registered sockets' channels.
    let channels = NIOLockedValueBox<[any Channel]>([])
    /// What went wrong with the first socket that failed.
    let firstFailure = NIOLockedValueBox<String?>(nil)
}

/// Microseconds from `start` to now.
func microseconds(since start: ContinuousClock.Instant) -> UInt64 {
    let elapsed = ContinuousClock.now - start
    return UInt64(elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000)
}

private func zip(_ a: Int?, _ b: Int?) -> (Int, Int)? {
    guard let a, let b else { return nil }
    return (a, b)
}

/// A socket that registers on open and completes `registered` on its first reply.
final class RegisteredSocket: RawWebSocket.Delegate, @unchecked Sendable {
    let registered: EventLoopPromise<Void>
    private var done = false

    init(loop: any EventLoop) {
        registered = loop.makePromise()
    }

    func opened(_ socket: RawWebSocket, context: ChannelHandlerContext) {
        socket.send(registerFrame)
    }

    func received(_ payload: UnsafeRawBufferPointer, socket: RawWebSocket, context: ChannelHandlerContext) {
        guard !done else { return }
        done = true
        if payload.starts(with: #"{"type":"peer-list""#.utf8) {
            registered.succeed()
        } else {
            registered.fail(BenchError("register answered with \(String(decoding: payload, as: UTF8.self))"))
        }
    }

    func closed(_ socket: RawWebSocket) {
        if !done {
            done = true
            registered.fail(BenchError("closed before peer-list"))
        }
    }
}
