import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A real `redis-server` on a loopback port from ``FreePort/tcp()``, without persistence, that a
/// test can kill and start again on the same port.
///
/// Its log goes to `redis.log` in a folder of its own; standard output and error are not
/// piped, so nothing reads them while the process runs. Prefer ``with(password:_:)``, which
/// stops it whatever the test does.
package final class RedisServer: StoppableService {
    /// Why the server did not come up.
    package struct StartFailure: Error, CustomStringConvertible {
        /// What went wrong, with the end of the server's log.
        package let reason: String
        package var description: String { "redis-server did not start: \(reason)" }
    }

    /// The port it listens on, on 127.0.0.1; the same after ``restart()``.
    package let port: Int
    /// The password it requires (`--requirepass`), if any.
    package let password: String?
    /// `redis://127.0.0.1:port`, without the password.
    package var url: String { "redis://127.0.0.1:\(port)" }
    /// The process id of the `redis-server` running now (a benchmark counts its CPU and memory).
    package var pid: Int32 { current.withLockedValue { $0 }.pid }
    private let directory: URL
    /// The process running now, replaced on restart.
    private let current: NIOLockedValueBox<ServerProcess>

    private init(port: Int, password: String?, directory: URL, process: ServerProcess) {
        self.port = port
        self.password = password
        self.directory = directory
        self.current = NIOLockedValueBox(process)
    }

    /// Starts `redis-server` (requiring `password` if given) and returns once it answers.
    package static func start(password: String? = nil) async throws -> RedisServer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("redis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var attempt = 1
        while true {
            // Another process may take the port between the check and the launch: then Redis
            // exits at once, and another port is tried.
            let port = try await FreePort.tcp()
            do {
                let process = try await launch(port: port, password: password, in: directory)
                return RedisServer(port: port, password: password, directory: directory, process: process)
            } catch is StartFailure where attempt < 3 {
                attempt += 1
            } catch {
                try? FileManager.default.removeItem(at: directory)
                throw error
            }
        }
    }

    /// Runs `body` with a server started for it, and stops the server after it, whether `body`
    /// returned or threw.
    @discardableResult
    package static func with<T: Sendable>(
        password: String? = nil, _ body: (RedisServer) async throws -> T
    ) async throws -> T {
        try await start(password: password).stopping(after: body)
    }

    /// SIGKILL: Redis is gone at once, with every key (nothing is persisted). Returns once the
    /// process has exited, so its port is free.
    package func kill() async {
        await current.withLockedValue { $0 }.kill()
    }

    /// SIGSTOP: Redis freezes with its connections open and answers nothing, while the kernel
    /// still accepts new connections for it (up to its backlog), as a hung process or a network
    /// black hole would look to a client. ``resume()`` undoes it; ``stop()`` (and so
    /// ``with(password:_:)``) kills it frozen or not, so a test that pauses cannot leave it frozen.
    package func pause() {
        current.withLockedValue { $0 }.signal(SIGSTOP)
    }

    /// SIGCONT after ``pause()``: Redis answers again, with every key it had.
    package func resume() {
        current.withLockedValue { $0 }.signal(SIGCONT)
    }

    /// Starts a fresh, empty `redis-server` on the same port after ``kill()``.
    package func restart() async throws {
        let process = try await Self.launch(port: port, password: password, in: directory)
        current.withLockedValue { $0 = process }
    }

    /// SIGKILL (there is nothing to save) and removes its folder.
    package func stop() async {
        await kill()
        try? FileManager.default.removeItem(at: directory)
    }

    /// `redis-server` in the foreground on `port`, once it answers there as itself.
    private static func launch(port: Int, password: String?, in directory: URL) async throws -> ServerProcess {
        let executable = try InstalledTool.path("redis-server", package: "redis-server")
        var arguments = [
            "--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory.path,
            "--daemonize", "no", "--logfile", "redis.log", "--loglevel", "notice",
        ]
        if let password { arguments += ["--requirepass", password] }
        let process = try ServerProcess(executable: executable, arguments: arguments, in: directory)
        // Polls with a connection: answered as soon as Redis accepts them, whatever it logs.
        do {
            try await poll(within: 15, { "redis-server on port \(port)" }) {
                guard process.isRunning else { throw StartFailure(reason: "it exited on port \(port): \(log(in: directory))") }
                return try await RedisProbe.processID(port: port, password: password) == process.pid
            }
            return process
        } catch is TimedOut {
            await process.kill()
            throw StartFailure(reason: "no answer on port \(port) within 15 s: \(log(in: directory))")
        }
    }

    /// The last lines of the server's log.
    private static func log(in directory: URL) -> String {
        let text = (try? String(contentsOf: directory.appendingPathComponent("redis.log"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(5).joined(separator: "\n")
    }
}

/// One `redis-server` process, killed with SIGKILL and awaited.
private final class ServerProcess: Sendable {
    private let process: Process
    private let exited: NIOLockedValueBox<(done: Bool, waiters: [CheckedContinuation<Void, Never>])>

    /// Starts `executable` in `directory`, its output discarded.
    init(executable: String, arguments: [String], in directory: URL) throws {
        let exited = NIOLockedValueBox((done: false, waiters: [CheckedContinuation<Void, Never>]()))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.terminationHandler = { _ in
            let waiters = exited.withLockedValue { state in
                state.done = true
                defer { state.waiters = [] }
                return state.waiters
            }
            waiters.forEach { $0.resume() }
        }
        try process.run()
        self.process = process
        self.exited = exited
    }

    /// The process identifier.
    var pid: Int32 { process.processIdentifier }

    /// Whether it has not exited yet.
    var isRunning: Bool { !exited.withLockedValue { $0.done } }

    /// Sends `signal` unless it has exited (its pid may belong to another process by then).
    func signal(_ signal: Int32) {
        if isRunning { Foundation.kill(process.processIdentifier, signal) }
    }

    /// SIGKILL (which ends a stopped process too) unless it has exited (its pid may belong to another process by then), then
    /// waits for the exit.
    func kill() async {
        signal(SIGKILL)
        await withCheckedContinuation { continuation in
            let done = exited.withLockedValue { state in
                if !state.done { state.waiters.append(continuation) }
                return state.done
            }
            if done { continuation.resume() }
        }
    }
}

/// The readiness check: a connection that asks `INFO server` for the server's process id.
private enum RedisProbe {
    /// The `process_id` of the Redis answering on `port`; `nil` when nothing answers there yet.
    ///
    /// Comparing it with the launched process tells our server from another one that may
    /// already listen on the port.
    static func processID(port: Int, password: String?) async throws -> Int32? {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port) { channel in
                    channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
                }
        } catch {
            return nil  // not listening yet
        }
        return try await channel.executeThenClose { inbound, outbound in
            var request = ByteBuffer()
            if let password { request.writeString("*2\r\n$4\r\nAUTH\r\n$\(password.utf8.count)\r\n\(password)\r\n") }
            request.writeString("*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n")
            try await outbound.write(request)
            var reply = ""
            for try await chunk in inbound {
                reply += String(buffer: chunk)
                if reply.hasPrefix("-") { return nil }  // loading, or another server's login
                guard let start = reply.range(of: "process_id:"),
                    let end = reply[start.upperBound...].range(of: "\r\n")
                else { continue }
                return Int32(reply[start.upperBound..<end.lowerBound])
            }
            return nil
        }
    }
}
