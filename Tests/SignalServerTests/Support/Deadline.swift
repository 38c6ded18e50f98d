import Foundation

/// How many times slower than a plain debug build this run is: `SIGNAL_TEST_SLOWDOWN`
/// (`scripts/test --sanitizers` sets it), else 1. Every deadline scales by it, and so do the
/// few behaviour windows a test must fit its steps into (a drain, a token's remaining life).
let testSlowdown: Double = ProcessInfo.processInfo.environment["SIGNAL_TEST_SLOWDOWN"].flatMap(Double.init) ?? 1

/// Runs `operation`, failing with ``TestSocket/Failure/timedOut(_:)`` if it has not finished
/// after `seconds`. A deadline for a condition the test awaits, never a pause: the operation
/// returns as soon as the condition holds.
func withDeadline<T: Sendable>(
    seconds: Double, _ what: String, _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await ContinuousClock().sleep(for: .seconds(seconds * testSlowdown))
            return nil
        }
        let first = try await group.next()!
        group.cancelAll()
        guard let result = first else { throw TestSocket.Failure.timedOut(what) }
        return result
    }
}

/// Checks `condition` until it holds; fails after `seconds` with `what`.
///
/// For a change on the server with nothing on the wire to await: checks at once, then after
/// pauses that double from 1 ms up to 50 ms, so a quick change is seen quickly and a slow one
/// costs few checks.
func poll(within seconds: Double, _ what: () -> String, _ condition: () async throws -> Bool) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + .seconds(seconds * testSlowdown)
    var pause = Duration.milliseconds(1)
    while true {
        if try await condition() { return }
        guard clock.now < deadline else { throw TestSocket.Failure.timedOut(what()) }
        try await clock.sleep(for: pause)
        pause = min(pause * 2, .milliseconds(50))
    }
}
