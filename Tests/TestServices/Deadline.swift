import Foundation
import NIOConcurrencyHelpers

/// How many times slower than a plain debug build this run is: `SIGNAL_TEST_SLOWDOWN`
/// (`scripts/test --sanitizers` sets it), else 1. Every deadline scales by it, and so do the
/// few behaviour windows a test must fit its steps into (a drain, a token's remaining life).
package let testSlowdown: Double = ProcessInfo.processInfo.environment["SIGNAL_TEST_SLOWDOWN"].flatMap(Double.init) ?? 1

/// A wait that did not end in time.
package struct TimedOut: Error, CustomStringConvertible {
    /// What was awaited.
    package let what: String
    package init(_ what: String) { self.what = what }
    package var description: String { "timed out waiting for \(what)" }
}

/// Runs `operation`, failing with ``TimedOut`` if it has not finished
/// after `seconds`. A deadline for a condition the test awaits, never a pause: the operation
/// returns as soon as the condition holds.
///
/// At the deadline the operation is cancelled and given a second to end. One that does not
/// heed cancellation (a wait on an `EventLoopFuture` nobody completes, on a `Task`'s value) is
/// left behind: its test fails instead of hanging the whole run.
@discardableResult
package func withDeadline<T: Sendable>(
    seconds: Double, _ what: String, _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    let outcome = FirstOutcome<T>()
    let ended = FirstOutcome<Void>()
    let work = Task {
        defer { ended.deliver(.success(())) }
        do {
            outcome.deliver(.success(try await operation()))
        } catch {
            outcome.deliver(.failure(error))
        }
    }
    let timer = Task {
        try? await ContinuousClock().sleep(for: .seconds(seconds * testSlowdown))
        guard !Task.isCancelled else { return }
        outcome.deliver(.failure(TimedOut(what)))
    }
    defer { timer.cancel() }
    do {
        return try await withTaskCancellationHandler {
            try await outcome.value()
        } onCancel: {
            outcome.deliver(.failure(CancellationError()))
        }
    } catch {
        // The caller's next wait must not overlap this one (a socket's frames have one reader).
        work.cancel()
        let grace = Task {
            try? await ContinuousClock().sleep(for: .seconds(1))
            ended.deliver(.success(()))
        }
        try? await ended.value()
        grace.cancel()
        throw error
    }
}

/// The first result delivered to it; later ones are dropped. Awaited by one waiter.
private final class FirstOutcome<T: Sendable>: Sendable {
    private struct State {
        var result: Result<T, any Error>?
        var waiter: CheckedContinuation<T, any Error>?
    }

    private let state = NIOLockedValueBox(State())

    func deliver(_ result: Result<T, any Error>) {
        let waiter = state.withLockedValue { state -> CheckedContinuation<T, any Error>? in
            guard state.result == nil else { return nil }
            state.result = result
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(with: result)
    }

    func value() async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let ready = state.withLockedValue { state -> Result<T, any Error>? in
                if state.result == nil { state.waiter = continuation }
                return state.result
            }
            if let ready { continuation.resume(with: ready) }
        }
    }
}

/// Checks `condition` until it holds; fails after `seconds` with `what`.
///
/// For a change on the server with nothing on the wire to await: checks at once, then after
/// pauses that double from 1 ms up to 50 ms, so a quick change is seen quickly and a slow one
/// costs few checks.
package func poll(within seconds: Double, _ what: () -> String, _ condition: () async throws -> Bool) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + .seconds(seconds * testSlowdown)
    var pause = Duration.milliseconds(1)
    while true {
        if try await condition() { return }
        guard clock.now < deadline else { throw TimedOut(what()) }
        try await clock.sleep(for: pause)
        pause = min(pause * 2, .milliseconds(50))
    }
}
