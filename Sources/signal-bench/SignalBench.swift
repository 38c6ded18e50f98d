import ArgumentParser
import CPlatform
import Configuration
import Foundation
import NIOCore
import NIOPosix
import SignalServer
import Signaling
import SystemPackage

/// `signal-bench`: the project's load generator and benchmark report.
@main
struct SignalBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signal-bench",
        abstract:
            "Load generator for signal-server (loopback only): connect, relay, idle, mint, the soak's churn, silent and hold scenarios, and cluster-hold and revoke over several instances.",
        subcommands: [RunCommand.self, BaselineServerCommand.self, ReportCommand.self])
}

/// `signal-bench run`: one scenario against a running server; prints one JSON line.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run one scenario; prints a JSON line.")

    enum Scenario: String, ExpressibleByArgument {
        case connect, relay, idle, mint, churn, silent, hold, revoke
        case clusterHold = "cluster-hold"
        case holdShare = "hold-share"
    }
    enum Target: String, ExpressibleByArgument { case signal, baseline }

    @Option(help: "connect, relay, idle, mint, churn, silent, hold, cluster-hold (hold-share is one generator of it) or revoke.")
    var scenario: Scenario
    @Option(help: "signal (signal-server) or baseline (signal-bench baseline-server).") var target: Target = .signal
    @Option(help: "Server host (loopback only).") var host = "127.0.0.1"
    @Option(help: "Server port; repeated for several instances sharing rooms through Redis (relay, cluster-hold).") var port: [Int]
    @Option(help: "Server process id, for its CPU time and memory; repeated, one per --port, in the same order.") var serverPid: [Int32] = []
    @Option(help: "Redis's process id: its CPU time counts in the servers' and its memory is reported.") var redisPid: Int32?
    @Option(help: "relay over several instances: same-instance or cross-instance (the two peers of a pair on different instances).")
    var placement: RelayScenario.Placement = .sameInstance
    @Option(help: "The .env file with the server's keys and admin secret (auth on).") var envFile: String?
    @Option(help: "relay: pairs.") var pairs = 64
    @Option(help: "connect/idle/silent: sockets; cluster-hold/hold-share: sockets of the whole hold.") var connections = 2000
    @Option(help: "connect/idle/mint/churn/silent/hold: operations in flight; cluster-hold: per generator.") var concurrency = 64
    @Option(
        help: "relay/mint: seconds to measure; silent/hold/cluster-hold: seconds to hold; hold-share: the longest it holds; churn: the most it may take.")
    var seconds = 5.0
    @Option(help: "cluster-hold/hold-share: generator processes (each may hold 20,000 open files at most).") var processes = 1
    @Option(help: ArgumentHelp("hold-share: which generator this is, 0 ..< --processes.", visibility: .hidden)) var generator = 0
    @Option(help: "churn: connect/register/close cycles.") var cycles = 20_000
    @Option(help: "revoke: revocations, one room each with a peer on every instance but the first.") var rounds = 20
    @Option(help: "hold: sockets opened without a token and held.") var tokenless = 2000
    @Option(help: "relay: bytes of fake SDP per offer.") var sdpBytes = 1500
    @Option(help: "Append the JSON line to this file too.") var output: String?

    func validate() throws {
        guard ["127.0.0.1", "localhost", "::1"].contains(host) else {
            throw ValidationError("signal-bench only targets loopback")
        }
        guard !port.isEmpty else { throw ValidationError("--port is required") }
        guard serverPid.isEmpty || serverPid.count == port.count else { throw ValidationError("give one --server-pid per --port, or none") }
        guard (0..<max(processes, 1)).contains(generator) else { throw ValidationError("--generator must be in 0 ..< --processes") }
    }

    func run() async throws {
        let loops = max(1, Int(cplatform_cpu_count()))
        let group = MultiThreadedEventLoopGroup(numberOfThreads: loops)

        var adminSecret = ""
        let kind: BenchTarget.Kind
        switch target {
        case .baseline:
            kind = .baseline
        case .signal:
            if let envFile {
                let reader = ConfigReader(provider: try await EnvironmentVariablesProvider(environmentFilePath: FilePath(envFile)))
                let keys = try SignalConfiguration.signingKeys(from: reader)
                let claims = try SignalConfiguration.tokenClaims(from: reader)
                adminSecret = reader.string(forKey: "ADMIN_SECRET", isSecret: true) ?? ""
                kind = .signalServer(TokenIssuer(keys: keys, issuer: claims.issuer, audience: claims.audience))
            } else {
                kind = .signalServerWithoutAuth
            }
        }
        let instances = port.indices.map { index in
            BenchTarget(
                host: host, port: port[index], kind: kind, server: serverPid.isEmpty ? nil : ServerProcess(pid: serverPid[index]), group: group)
        }
        let redis = redisPid.map(ServerProcess.init(pid:))
        // The single-instance scenarios run against the first.
        let bench = instances[0]
        let line: Data
        // churn and hold judge the server themselves; a failed criterion fails the command.
        var passed = true
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        switch scenario {
        case .relay:
            let counted = instances.compactMap(\.server) + (redis.map { [$0] } ?? [])
            line = try encoder.encode(
                try await RelayScenario.run(
                    instances, counting: counted, placement: placement, pairs: pairs, seconds: seconds, sdpBytes: sdpBytes))
        case .connect, .idle:
            line = try encoder.encode(
                try await ConnectScenario.run(bench, scenario: scenario.rawValue, count: connections, concurrency: concurrency))
        case .mint:
            line = try encoder.encode(try await MintScenario.run(bench, adminSecret: adminSecret, concurrency: concurrency, seconds: seconds))
        case .churn:
            let result = try await ChurnScenario.run(bench, cycles: cycles, concurrency: concurrency, maximumSeconds: seconds)
            line = try encoder.encode(result)
            passed = result.passed
        case .silent:
            line = try encoder.encode(try await SilentScenario.run(bench, count: connections, concurrency: concurrency, seconds: seconds))
        case .hold:
            let result = try await HoldScenario.run(bench, tokenless: tokenless, concurrency: concurrency, seconds: seconds)
            line = try encoder.encode(result)
            passed = result.passed
        case .clusterHold:
            let result = try await ClusterHoldScenario.run(
                instances, redis: redis, connections: connections, generators: processes, seconds: seconds,
                generatorArguments: generatorArguments(_:))
            line = try encoder.encode(result)
            passed = result.passed
        case .revoke:
            line = try encoder.encode(try await RevokeScenario.run(instances, adminSecret: adminSecret, rounds: rounds))
        case .holdShare:
            line = try encoder.encode(
                try await HoldShareScenario.run(
                    instances, total: connections, generators: processes, generator: generator, concurrency: concurrency,
                    maximumHoldSeconds: seconds))
        }
        let text = String(decoding: line, as: UTF8.self)
        print(text)
        if let output {
            let handle = FileHandle(forWritingAtPath: output) ?? {
                _ = FileManager.default.createFile(atPath: output, contents: nil)
                return FileHandle(forWritingAtPath: output)!
            }()
            handle.seekToEndOfFile()
            handle.write(Data((text + "\n").utf8))
            try handle.close()
        }
        try await group.shutdownGracefully()
        if !passed { throw ExitCode.failure }
    }

    /// `signal-bench run` arguments of `cluster-hold`'s generator `index`: its share of the
    /// sockets, on the same instances. It holds them until released, 120 s past the hold at most.
    private func generatorArguments(_ index: Int) -> [String] {
        var arguments = ["run", "--scenario", "hold-share", "--host", host]
        for value in port { arguments += ["--port", "\(value)"] }
        if let envFile { arguments += ["--env-file", envFile] }
        return arguments + [
            "--connections", "\(connections)", "--processes", "\(processes)", "--generator", "\(index)",
            "--concurrency", "\(concurrency)", "--seconds", "\(seconds + 120)",
        ]
    }
}

/// `signal-bench baseline-server`: the bare forwarder the relay figure is compared with.
struct BaselineServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline-server", abstract: "Run the bare SwiftNIO WebSocket forwarder (the relay ceiling).")

    @Option(help: "Listen port.") var port: Int
    @Option(help: "Listen host.") var host = "127.0.0.1"

    func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, Int(cplatform_cpu_count())))
        try await BaselineForwarder.run(host: host, port: port, group: group)
    }
}

extension RelayScenario.Placement: ExpressibleByArgument {}
