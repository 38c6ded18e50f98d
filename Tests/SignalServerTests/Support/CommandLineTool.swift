import Foundation
import Synchronization

/// The built `signal-server` and `signal-bench` binaries, run as subprocesses with a
/// controlled environment.
struct CommandLineTool {
    /// A product of this package next to the test bundle (both come from the same build), or
    /// an absolute path.
    static func binary(_ name: String = "signal-server") -> URL {
        if name.hasPrefix("/") { return URL(fileURLWithPath: name) }
        return URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent(name)
    }

    /// A fresh empty working directory.
    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("signal-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// The environment every run starts from: nothing the developer's shell or CI may have set.
    static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        environment.merge(extra) { $1 }
        return environment
    }

    /// Runs to completion; returns the exit status, standard output and standard error.
    static func run(
        _ arguments: [String], executable: String = "signal-server", in directory: URL, environment extra: [String: String] = [:]
    ) async throws -> (status: Int32, stdout: String, stderr: String) {
        let process = RunningProcess(arguments, executable: executable, in: directory, environment: environment(extra))
        try process.start()
        let status = try await process.exitStatus(within: 60)
        return (status, process.output, process.errors)
    }
}

/// A subprocess whose output is collected as it arrives.
final class RunningProcess: Sendable {
    private let process: Process
    private let stdout = Mutex("")
    private let stderr = Mutex("")
    private let exited = Mutex<(status: Int32?, waiters: [CheckedContinuation<Int32, Never>])>((nil, []))
    private let updates: AsyncStream<Void>
    private let notify: AsyncStream<Void>.Continuation

    init(_ arguments: [String], executable: String = "signal-server", in directory: URL, environment: [String: String]) {
        process = Process()
        process.executableURL = CommandLineTool.binary(executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = environment
        (updates, notify) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Everything written to standard output so far.
    var output: String { stdout.withLock { $0 } }
    /// Everything written to standard error so far.
    var errors: String { stderr.withLock { $0 } }
    /// The process identifier.
    var pid: Int32 { process.processIdentifier }

    func start() throws {
        let outPipe = Pipe(), errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = FileHandle.nullDevice
        outPipe.fileHandleForReading.readabilityHandler = { [self] handle in
            let data = handle.availableData
            stdout.withLock { $0 += String(decoding: data, as: UTF8.self) }
            notify.yield()
        }
        errPipe.fileHandleForReading.readabilityHandler = { [self] handle in
            let data = handle.availableData
            stderr.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
        process.terminationHandler = { [self] process in
            // Let the pipes drain what the process wrote last.
            outPipe.fileHandleForReading.readabilityHandler = nil
            errPipe.fileHandleForReading.readabilityHandler = nil
            let restOut = outPipe.fileHandleForReading.readDataToEndOfFile()
            let restErr = errPipe.fileHandleForReading.readDataToEndOfFile()
            self.stdout.withLock { $0 += String(decoding: restOut, as: UTF8.self) }
            self.stderr.withLock { $0 += String(decoding: restErr, as: UTF8.self) }
            let waiters = self.exited.withLock { state in
                state.status = process.terminationStatus
                defer { state.waiters = [] }
                return state.waiters
            }
            waiters.forEach { $0.resume(returning: process.terminationStatus) }
            self.notify.finish()
        }
        try process.run()
    }

    /// Sends a signal.
    func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// The exit status; fails if the process is still running after `seconds`.
    func exitStatus(within seconds: Double) async throws -> Int32 {
        do {
            return try await withDeadline(seconds: seconds, "signal-server to exit") {
                await withCheckedContinuation { continuation in
                    let status = self.exited.withLock { state -> Int32? in
                        if state.status == nil { state.waiters.append(continuation) }
                        return state.status
                    }
                    if let status { continuation.resume(returning: status) }
                }
            }
        } catch {
            process.terminate()
            throw error
        }
    }

    /// Waits until standard output contains a line matching `pattern` and returns the first
    /// capture group; fails after `seconds` or when the process exits first.
    func awaitOutput(matching pattern: String, within seconds: Double = 30) async throws -> String {
        _ = try Regex(pattern)  // fail early on a bad pattern
        let found = try await withDeadline(seconds: seconds, "output matching \(pattern)") { () -> String? in
            let regex = try Regex(pattern)
            var iterator = self.updates.makeAsyncIterator()
            repeat {
                if let match = self.output.firstMatch(of: regex) {
                    return match.output.count > 1 ? String(match.output[1].substring ?? "") : String(match.output[0].substring ?? "")
                }
            } while await iterator.next() != nil
            return nil
        }
        guard let found else { throw TestSocket.Failure.timedOut("output matching \(pattern); the process exited: \(output) \(errors)") }
        return found
    }
}
