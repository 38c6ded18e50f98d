import Foundation
import NIOConcurrencyHelpers
import TestServices

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
        let inherited = ProcessInfo.processInfo.environment
        var environment = ["PATH": inherited["PATH"] ?? "/usr/bin:/bin"]
        // Under `scripts/test --sanitizers` the binaries are sanitized too and take the same options.
        for name in ["ASAN_OPTIONS", "TSAN_OPTIONS"] {
            environment[name] = inherited[name]
        }
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
///
/// Each pipe is read by a thread of its own with blocking reads until EOF, not by a
/// `readabilityHandler`: tearing those dispatch sources down while the pipe closes raced in
/// swift-corelibs-libdispatch and now and then crashed the whole test process
/// (`_dispatch_event_loop_drain`) when several subprocesses ended at once.
final class RunningProcess: Sendable {
    /// What has ended: both pipes at EOF and the process itself. The exit status is reported
    /// only once all three have, so every byte the process wrote is in ``output`` by then.
    private struct Ending {
        var openPipes = 2
        var status: Int32?
        var waiters: [CheckedContinuation<Int32, Never>] = []
        var finished: Int32? { openPipes <= 0 ? status : nil }
    }

    private let process: Process
    private let stdout = NIOLockedValueBox("")
    private let stderr = NIOLockedValueBox("")
    private let ending = NIOLockedValueBox(Ending())
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
    var output: String { stdout.withLockedValue { $0 } }
    /// Everything written to standard error so far.
    var errors: String { stderr.withLockedValue { $0 } }
    /// The process identifier.
    var pid: Int32 { process.processIdentifier }

    func start() throws {
        let outPipe = Pipe(), errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = FileHandle.nullDevice
        process.terminationHandler = { [self] process in
            let status = process.terminationStatus
            end { $0.status = status }
            // Normally both pipes reach EOF at once. But a process spawned meanwhile by another
            // test can inherit their write ends and keep them open for as long as it lives (seen
            // under load: coturn clients whose exit was never reported); the exit still counts
            // after a grace second, with whatever output arrived by then.
            DispatchQueue.global().asyncAfter(deadline: .now() + 1) { [self] in end { $0.openPipes = 0 } }
        }
        try process.run()
        read(outPipe.fileHandleForReading) { [self] text in stdout.withLockedValue { $0 += text } }
        read(errPipe.fileHandleForReading) { [self] text in stderr.withLockedValue { $0 += text } }
    }

    /// Hands what `handle` yields to `append` on a thread of its own until EOF.
    private func read(_ handle: FileHandle, append: @escaping @Sendable (String) -> Void) {
        Thread { [self] in
            while case let data = handle.availableData, !data.isEmpty {
                append(String(decoding: data, as: UTF8.self))
                notify.yield()
            }
            try? handle.close()
            end { $0.openPipes -= 1 }
        }.start()
    }

    /// Records a part of the ending; once all have ended, wakes the waiters and the output stream.
    private func end(_ change: (inout Ending) -> Void) {
        let (status, waiters) = ending.withLockedValue { state -> (Int32?, [CheckedContinuation<Int32, Never>]) in
            change(&state)
            guard let status = state.finished else { return (nil, []) }
            defer { state.waiters = [] }
            return (status, state.waiters)
        }
        guard let status else { return }
        waiters.forEach { $0.resume(returning: status) }
        notify.finish()
    }

    /// Sends a signal.
    func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// The exit status; fails if the process is still running after `seconds` (it is killed then).
    func exitStatus(within seconds: Double) async throws -> Int32 {
        let name = process.executableURL?.lastPathComponent ?? "the process"
        do {
            return try await withDeadline(seconds: seconds, "\(name) to exit") {
                // The deadline cancels this wait, but the group around it can only finish once the
                // wait does: killing the process is what ends it.
                await withTaskCancellationHandler {
                    await withCheckedContinuation { continuation in
                        let status = self.ending.withLockedValue { state -> Int32? in
                            if state.finished == nil { state.waiters.append(continuation) }
                            return state.finished
                        }
                        if let status { continuation.resume(returning: status) }
                    }
                } onCancel: {
                    self.signal(SIGKILL)
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
