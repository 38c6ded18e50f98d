/// A process a test starts (Redis, HAProxy, coturn, a cluster of servers) and must stop whatever
/// happens to the test.
package protocol StoppableService: Sendable {
    /// Ends the service and removes what it left on disk; never fails.
    func stop() async
}

extension StoppableService {
    /// Runs `body` with this service, then stops it, whether `body` returned or threw.
    package func stopping<T>(after body: (Self) async throws -> T) async throws -> T {
        do {
            let result = try await body(self)
            await stop()
            return result
        } catch {
            await stop()
            throw error
        }
    }
}
