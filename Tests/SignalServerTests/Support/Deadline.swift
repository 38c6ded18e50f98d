/// Runs `operation`, failing with ``TestSocket/Failure/timedOut(_:)`` if it has not finished
/// after `seconds`. A deadline for a condition the test awaits, never a pause: the operation
/// returns as soon as the condition holds.
func withDeadline<T: Sendable>(
    seconds: Double, _ what: String, _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await ContinuousClock().sleep(for: .seconds(seconds))
            return nil
        }
        let first = try await group.next()!
        group.cancelAll()
        guard let result = first else { throw TestSocket.Failure.timedOut(what) }
        return result
    }
}
