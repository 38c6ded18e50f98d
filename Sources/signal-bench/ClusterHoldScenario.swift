import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Synchronization

/// `cluster-hold`: M registered sockets over several instances sharing rooms through Redis,
/// opened by G generator processes (`signal-bench run --scenario hold-share`, each under the
/// 20,000 open files a process may hold here), in rooms that span every instance. Once all are
/// registered they are held for S seconds while `/health` of every instance is probed over a
/// kept-alive connection every 10 ms; then the resident size of every instance and of Redis is
/// read and the generators release their sockets. Passes when every socket registered, none
/// closed while held, and every instance's `/health` p99 stayed under 50 ms with no failure.
enum ClusterHoldScenario {
    /// One instance while the sockets were held.
    struct InstanceHold: Codable, Sendable {
        let port: Int
        /// Its `/health` `peers` at the end of the hold: the sockets it holds.
        let peers: Int?
        let rssKiB: Int?
        let healthProbes: UInt64
        let healthFailures: Int
        /// Kept-alive `/health` latency, microseconds.
        let health: LatencySummary
    }

    struct Result: Codable, Sendable {
        let scenario: String
        let instances: Int
        let generators: Int
        let connections: Int
        let registered: Int
        let failures: Int
        /// What went wrong with the first socket that failed, in each generator that had one.
        let failuresSeen: [String]
        /// From starting the generators to the last socket registered.
        let registerSeconds: Double
        let registersPerSecond: Double
        /// CPU of every instance and Redis while the sockets were opened, per registered socket.
        let serverMicrosecondsPerRegister: Double?
        let holdSeconds: Double
        let closedWhileHeld: Int
        let perInstance: [InstanceHold]
        let redisRSSKiB: Int?
        let passed: Bool
        let problems: [String]
    }

    /// Each generator's sockets must be registered within this.
    static let openLimit: Duration = .seconds(900)

    /// Runs the hold; `generatorArguments(g)` are the `signal-bench` arguments of generator `g`.
    static func run(
        _ instances: [BenchTarget], redis: ServerProcess?, connections: Int, generators count: Int, seconds: Double,
        generatorArguments: (Int) -> [String]
    ) async throws -> Result {
        let counted = instances.compactMap(\.server) + (redis.map { [$0] } ?? [])
        let window = CPUWindow(processes: counted)
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        var generators: [Generator] = []
        defer { generators.forEach { $0.stop() } }
        for index in 0..<count {
            let generator = Generator(executable: executable, arguments: generatorArguments(index))
            try generator.start()
            generators.append(generator)
        }
        var opened: [HoldShareScenario.Report] = []
        for generator in generators { opened.append(try await generator.nextReport(within: openLimit)) }
        let (registerSeconds, registerCPU) = window.close()
        let registered = opened.reduce(0) { $0 + $1.registered }

        var probes: [(KeepAliveHealthProbe, any Channel)] = []
        for instance in instances { probes.append(try await KeepAliveHealthProbe.connect(to: instance)) }
        let holdStarted = ContinuousClock.now
        try await ContinuousClock().sleep(for: .seconds(seconds))
        probes.forEach { $0.0.stop() }
        var perInstance: [InstanceHold] = []
        for (instance, (probe, _)) in zip(instances, probes) {
            let body = try? await HTTPProbe.get(host: instance.host, port: instance.port, path: "/health", group: instance.group).1
            let health = body.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            perInstance.append(
                InstanceHold(
                    port: instance.port, peers: health?["peers"] as? Int, rssKiB: instance.server?.residentKiB(),
                    healthProbes: probe.latency.count, healthFailures: probe.failures.load(ordering: .relaxed), health: probe.latency.summary))
        }
        let redisRSS = redis?.residentKiB()
        let holdSeconds = Double(microseconds(since: holdStarted)) / 1e6
        probes.forEach { $0.1.close(promise: nil) }

        var released: [HoldShareScenario.Report] = []
        for generator in generators {
            generator.release()
            released.append(try await generator.nextReport(within: .seconds(60)))
        }
        for generator in generators { try await generator.awaitExit(within: .seconds(30)) }

        let failures = opened.reduce(0) { $0 + $1.failures }
        let closed = released.reduce(0) { $0 + $1.closedWhileHeld }
        var problems: [String] = []
        if registered < connections { problems.append("\(registered) of \(connections) sockets registered (\(failures) failed)") }
        if closed > 0 { problems.append("\(closed) sockets closed while held") }
        for hold in perInstance {
            if hold.health.p99 >= HoldScenario.healthP99Limit {
                problems.append("instance :\(hold.port) /health p99 \(hold.health.p99) µs, limit \(HoldScenario.healthP99Limit) µs")
            }
            if hold.healthFailures > 0 || hold.healthProbes == 0 { problems.append("instance :\(hold.port) /health probe failed") }
        }
        return Result(
            scenario: "cluster-hold", instances: instances.count, generators: count, connections: connections, registered: registered,
            failures: failures, failuresSeen: opened.compactMap(\.firstFailure), registerSeconds: registerSeconds, registersPerSecond: Double(registered) / registerSeconds,
            serverMicrosecondsPerRegister: registerCPU.map { registered > 0 ? $0 * 1e6 / Double(registered) : 0 },
            holdSeconds: holdSeconds, closedWhileHeld: closed, perInstance: perInstance, redisRSSKiB: redisRSS,
            passed: problems.isEmpty, problems: problems)
    }
}

/// One generator process: its standard output read line by line on a thread of its own, its
/// standard input the line that releases its sockets.
private final class Generator {
    private struct Output {
        var lines: [String] = []
        var ended = false
    }

    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let received = NIOLockedValueBox(Output())

    init(executable: String, arguments: [String]) {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = output
    }

    func start() throws {
        try process.run()
        let (handle, received) = (output.fileHandleForReading, self.received)
        Thread {
            var pending = Data()
            while case let data = handle.availableData, !data.isEmpty {
                pending.append(data)
                while let end = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: pending[pending.startIndex..<end], as: UTF8.self)
                    received.withLockedValue { $0.lines.append(line) }
                    pending.removeSubrange(pending.startIndex...end)
                }
            }
            received.withLockedValue { $0.ended = true }
        }.start()
    }

    /// The next report the generator writes; fails if it exits first or `limit` passes.
    func nextReport(within limit: Duration) async throws -> HoldShareScenario.Report {
        let deadline = ContinuousClock.now + limit
        while true {
            let (line, ended) = received.withLockedValue { output in
                (output.lines.isEmpty ? nil : output.lines.removeFirst(), output.ended)
            }
            if let line { return try JSONDecoder().decode(HoldShareScenario.Report.self, from: Data(line.utf8)) }
            if ended { throw BenchError("a generator ended without its report") }
            guard ContinuousClock.now < deadline else { throw BenchError("no report from a generator within \(limit)") }
            try await ContinuousClock().sleep(for: .milliseconds(20))
        }
    }

    /// Writes the line that releases its sockets.
    func release() {
        try? input.fileHandleForWriting.write(contentsOf: Data("release\n".utf8))
    }

    /// Waits for the process to end with status 0; fails after `limit`.
    func awaitExit(within limit: Duration) async throws {
        let deadline = ContinuousClock.now + limit
        while process.isRunning {
            guard ContinuousClock.now < deadline else { throw BenchError("a generator still ran \(limit) after its release") }
            try await ContinuousClock().sleep(for: .milliseconds(20))
        }
        let status = process.terminationStatus
        guard status == 0 else { throw BenchError("a generator exited with status \(status)") }
    }

    /// Ends the process if it still runs (the run failed or it lingers).
    func stop() {
        if process.isRunning { process.terminate() }
    }
}
