import Foundation
import TestServices

/// A real coturn `turnserver` on loopback with `use-auth-secret`, the way a deployment pairs it
/// with our `TURN_SECRET` (README § TURN; flags from the shared TURN.md notes), and
/// `turnutils_uclient` allocations against it.
struct Coturn: StoppableService {
    /// What one `turnutils_uclient` run ended with.
    struct Allocation {
        let status: Int32
        /// Standard output and standard error together.
        let output: String
    }

    /// The UDP and TCP port it listens on, on 127.0.0.1.
    let port: Int
    private let process: RunningProcess
    private let directory: URL

    /// Starts `turnserver` on a free loopback port with `secret` as its `static-auth-secret`
    /// and returns once its UDP listener is open (read from its log, not waited for).
    static func start(secret: String) async throws -> Coturn {
        let executable = try InstalledTool.path("turnserver", package: "coturn")
        let directory = try CommandLineTool.temporaryDirectory()
        let port = try await FreePort.udp()
        // Relay ports come from a random window so that parallel tests rarely compete; coturn
        // moves on to another port in the window when one is taken.
        let relayPorts = Int.random(in: 40_000...59_000)
        let arguments = [
            "-n", "-v", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", "--listening-port=\(port)",
            "--min-port=\(relayPorts)", "--max-port=\(relayPorts + 199)",
            "--use-auth-secret", "--static-auth-secret=\(secret)", "--realm=signal-server.test", "--fingerprint",
            "--no-cli", "--no-tls", "--no-dtls", "--log-file=stdout", "--simple-log",
            "--pidfile=\(directory.path)/turnserver.pid", "--userdb=\(directory.path)/turnserver.db",
            "--no-multicast-peers", "--allow-loopback-peers",
        ]
        // Through `env --default-signal`: a child inherits the signal mask of the thread that
        // spawns it, and the test's threads block SIGTERM, which would leave coturn deaf to it.
        let process = RunningProcess(
            ["--default-signal", executable] + arguments, executable: "/usr/bin/env", in: directory, environment: CommandLineTool.environment())
        try process.start()
        let coturn = Coturn(port: port, process: process, directory: directory)
        do {
            _ = try await process.awaitOutput(matching: #"UDP listener opened on: 127\.0\.0\.1:\#(port)\b"#, within: 15)
            return coturn
        } catch {
            await coturn.stop()
            throw error
        }
    }

    /// Runs `body` against a fresh coturn and always stops it.
    static func with<T>(secret: String, _ body: (Coturn) async throws -> T) async throws -> T {
        try await start(secret: secret).stopping(after: body)
    }

    /// SIGTERM (coturn ends at once; killed if it is still running 10 s later); removes its folder.
    func stop() async {
        process.signal(SIGTERM)
        _ = try? await process.exitStatus(within: 10)
        try? FileManager.default.removeItem(at: directory)
    }

    /// Everything coturn logged so far.
    var log: String { process.output + process.errors }

    /// One `turnutils_uclient` run: allocates a relay with these credentials and sends a message
    /// through it to a second client (`-y`: without it the run exits 0 even when nothing got
    /// through). Exit 0 and "Total lost packets 0" mean coturn accepted the credentials.
    func allocate(username: String, credential: String, port: Int? = nil) async throws -> Allocation {
        let client = RunningProcess(
            ["-p", "\(port ?? self.port)", "-u", username, "-w", credential, "-y", "-c", "-e", "127.0.0.1", "-n", "1", "-m", "1", "127.0.0.1"],
            executable: try InstalledTool.path("turnutils_uclient", package: "coturn"), in: directory, environment: CommandLineTool.environment())
        try client.start()
        let status = try await client.exitStatus(within: 90)  // ~5 s alone; far longer on a loaded 2-core machine
        return Allocation(status: status, output: client.output + client.errors)
    }
}
