import Foundation
import SignalServer
import Signaling
import Testing

/// `signal-bench` at tiny sizes against the real server and its own baseline forwarder: every
/// scenario reports non-zero, well-formed results. Figures are never asserted here; they belong
/// to `scripts/bench`.
@Suite struct BenchSmokeTests {
    private func runBench(_ arguments: [String], in directory: URL) async throws -> [String: Any] {
        let result = try await CommandLineTool.run(["run", "--seconds", "\(0.5 * testSlowdown)"] + arguments, executable: "signal-bench", in: directory)
        #expect(result.status == 0, "signal-bench failed: \(result.stderr)")
        let line = try #require(result.stdout.split(separator: "\n").last)
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    /// Writes the server's keys and admin secret where the bench reads them.
    private func envFile(for server: TestServer, in directory: URL) throws -> String {
        let path = directory.appendingPathComponent(".env").path
        let lines = server.keys!.environmentLines + ["ADMIN_SECRET=\(TestServer.adminSecret)"]
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func everyScenarioAgainstTheServer() async throws {
        let directory = try CommandLineTool.temporaryDirectory()
        // As scripts/bench: one generator address sending as fast as it can, the limits lifted.
        try await TestServer.with({
            $0.maxConnectionsPerIP = 1_000_000
            $0.messageRate = Rate(1_000_000_000, per: TimeToLive(seconds: 1))
            $0.tokenRate = Rate(1_000_000_000, per: TimeToLive(seconds: 1))
        }) { server in
            let common = ["--port", "\(server.port)", "--server-pid", "\(getpid())", "--env-file", try envFile(for: server, in: directory)]

            let relay = try await runBench(["--scenario", "relay", "--pairs", "2"] + common, in: directory)
            #expect(relay["target"] as? String == "signal-server")
            #expect((relay["messages"] as? Int ?? 0) > 0)
            #expect((relay["messagesPerSecond"] as? Double ?? 0) > 0)
            #expect(relay["badFrames"] as? Int == 0)
            #expect((relay["roundTrip"] as? [String: Any])?["p99"] as? Int ?? 0 > 0)
            #expect(relay["serverMicrosecondsPerMessage"] is Double)

            for scenario in ["connect", "idle"] {
                let connect = try await runBench(["--scenario", scenario, "--connections", "20", "--concurrency", "4"] + common, in: directory)
                #expect(connect["connections"] as? Int == 20)
                #expect(connect["failures"] as? Int == 0)
                #expect((connect["connectsPerSecond"] as? Double ?? 0) > 0)
                #expect((connect["serverRSSOpenKiB"] as? Int ?? 0) > 0)
                #expect(connect["serverRSSAfterCloseKiB"] is Int)
            }

            let mint = try await runBench(["--scenario", "mint", "--concurrency", "2"] + common, in: directory)
            #expect((mint["requests"] as? Int ?? 0) > 0)
            #expect(mint["failures"] as? Int == 0)
        }
    }

    @Test func relayAgainstTheBaselineForwarder() async throws {
        let directory = try CommandLineTool.temporaryDirectory()
        let forwarder = RunningProcess(
            ["baseline-server", "--port", "0"], executable: "signal-bench", in: directory, environment: CommandLineTool.environment())
        try forwarder.start()
        defer { forwarder.signal(SIGKILL) }
        let port = try await forwarder.awaitOutput(matching: #"listening on 127\.0\.0\.1:(\d+)"#)
        let relay = try await runBench(
            ["--scenario", "relay", "--pairs", "2", "--target", "baseline", "--port", port, "--server-pid", "\(forwarder.pid)"], in: directory)
        #expect(relay["target"] as? String == "baseline")
        #expect((relay["messages"] as? Int ?? 0) > 0)
        #expect(relay["badFrames"] as? Int == 0)
        #expect((relay["serverCPUShare"] as? Double ?? -1) >= 0)
    }
}
