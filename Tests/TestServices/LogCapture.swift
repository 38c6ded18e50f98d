package import Logging
import NIOConcurrencyHelpers

/// Keeps every line a test server logs, rendered as `level message key=value ...`, so a test
/// can wait for a line and check that no secret was ever written.
package final class LogCapture: Sendable {
    private struct Waiter {
        let id: Int
        let matches: @Sendable (String) -> Bool
        let continuation: CheckedContinuation<String?, Never>
    }

    private struct State {
        var lines: [String] = []
        var waiters: [Waiter] = []
        var cancelled: Set<Int> = []
        var nextID = 0
    }

    private let state = NIOLockedValueBox(State())

    /// Creates an empty capture.
    package init() {}

    /// Every line so far.
    package var lines: [String] { state.withLockedValue { $0.lines } }

    /// Every line so far, one per line.
    package var text: String { lines.joined(separator: "\n") }

    /// A logger whose lines land here, at `level` and above.
    package func logger(level: Logger.Level) -> Logger {
        var logger = Logger(label: "signal-test") { _ in Handler(capture: self) }
        logger.logLevel = level
        return logger
    }

    /// Waits for a line for which `matches` holds (one already logged counts); fails after `seconds`.
    package func line(within seconds: Double = 10, where matches: @escaping @Sendable (String) -> Bool) async throws -> String {
        try await withDeadline(seconds: seconds, "a matching log line") {
            let id = self.state.withLockedValue { state in
                state.nextID += 1
                return state.nextID
            }
            let line: String? = await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let settled: String?? = self.state.withLockedValue { state in
                        if let line = state.lines.first(where: matches) { return .some(line) }
                        if state.cancelled.contains(id) { return .some(nil) }
                        state.waiters.append(Waiter(id: id, matches: matches, continuation: continuation))
                        return nil
                    }
                    if let settled { continuation.resume(returning: settled) }
                }
            } onCancel: {
                let waiter = self.state.withLockedValue { state -> Waiter? in
                    if let index = state.waiters.firstIndex(where: { $0.id == id }) { return state.waiters.remove(at: index) }
                    state.cancelled.insert(id)
                    return nil
                }
                waiter?.continuation.resume(returning: nil)
            }
            guard let line else { throw CancellationError() }
            return line
        }
    }

    fileprivate func append(_ line: String) {
        let ready = state.withLockedValue { state in
            state.lines.append(line)
            let ready = state.waiters.filter { $0.matches(line) }
            state.waiters.removeAll { $0.matches(line) }
            return ready
        }
        for waiter in ready { waiter.continuation.resume(returning: line) }
    }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            capture.append(([event.level.rawValue, "\(event.message)"] + fields).joined(separator: " "))
        }
    }
}
