import Foundation
import SignalServer
import Signaling
import TestServices
import Testing

/// `signal-bench` at tiny sizes against the real server and its own baseline forwarder: every
/// scenario reports non-zero, well-formed results. Figures are never asserted here; they belong
/// to `scripts/bench`.
@Suite struct BenchSmokeTests {
    /// Runs a scenario for 1 s × `SIGNAL_TEST_SLOWDOWN` (a loaded sanitized run once completed no
    /// relay within 2 s) and returns its JSON line; it must exit 0 unless `mayFail` (a scenario
    /// that judges timings fails on a loaded machine, and timings are not what this test checks).
    private func runBench(_ arguments: [String], in directory: URL, mayFail: Bool = false) async throws -> [String: Any] {
        let result = try await CommandLineTool.run(["run", "--seconds", "\(1.0 * testSlowdown)"] + arguments, executable: "signal-bench", in: directory)
        #expect(mayFail || result.status == 0, "signal-bench failed: \(result.stderr)")
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

    /// As scripts/bench-cluster: the relay with the peers of a pair on one instance and on two,
    /// and cluster-hold's generator processes over both instances and a real Redis.
    @Test func clusterScenariosAgainstTwoInstances() async throws {
        let directory = try CommandLineTool.temporaryDirectory()
        let unlimited = ["MAX_CONNECTIONS_PER_IP": "1000000", "MESSAGE_RATE": "1000000000/1s"]
        try await ServerCluster.with(instances: 2, environment: unlimited) { cluster in
            var common = ["--env-file", cluster.envFile, "--redis-pid", "\(cluster.redis.pid)"]
            for instance in cluster.instances { common += ["--port", "\(instance.port)", "--server-pid", "\(instance.process.pid)"] }

            for placement in ["same-instance", "cross-instance"] {
                let relay = try await runBench(["--scenario", "relay", "--pairs", "2", "--placement", placement] + common, in: directory)
                #expect(relay["placement"] as? String == placement)
                #expect(relay["instances"] as? Int == 2)
                #expect((relay["messages"] as? Int ?? 0) > 0)
                #expect(relay["badFrames"] as? Int == 0)
                #expect((relay["roundTrip"] as? [String: Any])?["p99"] as? Int ?? 0 > 0)
                #expect(relay["serverMicrosecondsPerMessage"] is Double)
            }

            let revoke = try await runBench(["--scenario", "revoke", "--rounds", "3"] + common, in: directory)
            #expect(revoke["closed"] as? Int == 3)
            #expect(revoke["notClosed"] as? Int == 0)
            #expect((revoke["revokeToClose"] as? [String: Any])?["max"] as? Int ?? 0 > 0)

            let hold = try await runBench(
                ["--scenario", "cluster-hold", "--connections", "40", "--processes", "2", "--concurrency", "4"] + common, in: directory,
                mayFail: true)
            #expect(hold["registered"] as? Int == 40)
            #expect(hold["failures"] as? Int == 0)
            #expect(hold["closedWhileHeld"] as? Int == 0)
            #expect(hold["generators"] as? Int == 2)
            #expect(hold["serverMicrosecondsPerRegister"] is Double)
            #expect((hold["redisRSSKiB"] as? Int ?? 0) > 0)
            let instances = hold["perInstance"] as? [[String: Any]] ?? []
            #expect(instances.count == 2)
            for instance in instances {
                // Rooms of two, one peer on each instance: half the sockets each.
                #expect(instance["peers"] as? Int == 20)
                #expect((instance["rssKiB"] as? Int ?? 0) > 0)
                #expect((instance["healthProbes"] as? Int ?? 0) > 0)
                #expect((instance["health"] as? [String: Any])?["p99"] is Int)
            }
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
