@testable import RedisClient
import Testing

/// The pauses between reconnect attempts: doubling from the lower bound, capped at the upper,
/// jittered between half and all of it, never below the lower bound.
@Suite struct ReconnectBackoffTests {
    private let range: ClosedRange<Duration> = .milliseconds(50) ... .seconds(2)

    /// The pause before attempt `failures + 1` without jitter.
    private func full(after failures: Int) -> Duration {
        min(.milliseconds(50) * (1 << min(failures, 30)), .seconds(2))
    }

    @Test func doublesFrom50MillisecondsUpTo2Seconds() {
        #expect((0..<8).map(full(after:)) == [50, 100, 200, 400, 800, 1600, 2000, 2000].map { Duration.milliseconds($0) })
        for _ in 0..<200 {
            var backoff = ReconnectBackoff(range)
            for failures in 0..<12 {
                let delay = backoff.nextDelay()
                #expect(delay <= full(after: failures), "attempt \(failures + 1)")
                #expect(delay >= max(full(after: failures) / 2, .milliseconds(50)), "attempt \(failures + 1)")
                #expect(backoff.failures == failures + 1)
            }
        }
    }

    @Test func neverExceedsTheCapAfterManyFailures() {
        var backoff = ReconnectBackoff(range)
        for _ in 0..<100 { _ = backoff.nextDelay() }
        for _ in 0..<100 {
            let delay = backoff.nextDelay()
            #expect(delay >= .seconds(1) && delay <= .seconds(2))
        }
    }

    @Test func jitterSpreadsThePauses() {
        // Clients cut off together do not all come back at the same instant.
        var delays = Set<Duration>()
        for _ in 0..<50 {
            var backoff = ReconnectBackoff(range)
            for _ in 0..<6 { _ = backoff.nextDelay() }
            delays.insert(backoff.nextDelay())
        }
        #expect(delays.count > 10)
    }

    @Test func resetStartsOverAtTheLowerBound() {
        var backoff = ReconnectBackoff(range)
        for _ in 0..<10 { _ = backoff.nextDelay() }
        backoff.reset()
        #expect(backoff.failures == 0)
        let delay = backoff.nextDelay()
        #expect(delay == .milliseconds(50))
    }
}
