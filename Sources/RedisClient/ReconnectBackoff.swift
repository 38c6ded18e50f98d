/// The pauses between reconnect attempts: doubling from the lower bound of a range up to its
/// upper bound, each with random jitter (between half and all of it) so that many clients cut
/// off at once do not all come back at the same instant.
struct ReconnectBackoff: Sendable {
    /// The shortest and the longest pause.
    let range: ClosedRange<Duration>
    /// Failed attempts since the last success.
    private(set) var failures = 0

    init(_ range: ClosedRange<Duration>) {
        self.range = range
    }

    /// The pause before the next attempt; counts a failed attempt.
    mutating func nextDelay() -> Duration {
        let doubled = range.lowerBound * (1 << min(failures, 30))
        failures += 1
        let jittered = min(doubled, range.upperBound) * Double.random(in: 0.5...1)
        return max(jittered, range.lowerBound)
    }

    /// Starts over after a successful connect.
    mutating func reset() {
        failures = 0
    }
}
