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
        abstract: "Load generator for signal-server (loopback only): connect, relay, idle, mint and the soak's churn, silent and hold scenarios.",
        subcommands: [RunCommand.self, BaselineServerCommand.self, ReportCommand.self])
}

/// `signal-bench run`: one scenario against a running server; prints one JSON line.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run one scenario; prints a JSON line.")

    enum Scenario: String, ExpressibleByArgument { case connect, relay, idle, mint, churn, silent, hold }
    enum Target: String, ExpressibleByArgument { case signal, baseline }

    @Option(help: "connect, relay, idle, mint, churn, silent or hold.") var scenario: Scenario
    @Option(help: "signal (signal-server) or baseline (signal-bench baseline-server).") var target: Target = .signal
    @Option(help: "Server host (loopback only).") var host = "127.0.0.1"
    @Option(help: "Server port.") var port: Int
    @Option(help: "Server process id, for its CPU time and memory.") var serverPid: Int32?
    @Option(help: "The .env file with the server's keys and admin secret (auth on).") var envFile: String?
    @Option(help: "relay: pairs.") var pairs = 64
    @Option(help: "connect/idle/silent: sockets.") var connections = 2000
    @Option(help: "connect/idle/mint/churn/silent/hold: operations in flight.") var concurrency = 64
    @Option(help: "relay/mint: seconds to measure; silent/hold: seconds to hold; churn: the most it may take.") var seconds = 5.0
    @Option(help: "churn: connect/register/close cycles.") var cycles = 20_000
    @Option(help: "hold: sockets opened without a token and held.") var tokenless = 2000
    @Option(help: "relay: bytes of fake SDP per offer.") var sdpBytes = 1500
    @Option(help: "Append the JSON line to this file too.") var output: String?

    func validate() throws {
        guard ["127.0.0.1", "localhost", "::1"].contains(host) else {
            throw ValidationError("signal-bench only targets loopback")
        }
    }

    func run() async throws {
        let loops = max(1, Int(cplatform_cpu_count()))
        let group = MultiThreadedEventLoopGroup(numberOfThreads: loops)
        let server = serverPid.map(ServerProcess.init(pid:))
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
        let bench = BenchTarget(host: host, port: port, kind: kind, server: server, group: group)
        let line: Data
        // churn and hold judge the server themselves; a failed criterion fails the command.
        var passed = true
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        switch scenario {
        case .relay:
            line = try encoder.encode(try await RelayScenario.run(bench, pairs: pairs, seconds: seconds, sdpBytes: sdpBytes))
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
