public import NIOCore

/// A token bucket: holds up to a ``Rate``'s count of tokens, gets them back at its pace, and
/// lets an action through only when it can take one.
///
/// A plain value with the time passed in, so it costs no lock, no allocation and no clock read
/// of its own: the socket handler keeps one per socket for its message rate, and the per-address
/// tables of the HTTP limits keep one per client address. It starts full.
public struct TokenBucket: Sendable, Equatable {
    /// The most tokens it holds.
    public let capacity: Int
    private let nanosecondsPerToken: Int64
    private var tokens: Int
    /// When the tokens were last counted; partial tokens accrue from here.
    private var countedAt: NIODeadline

    /// A full bucket for `rate`, at `now`.
    public init(rate: Rate, now: NIODeadline) {
        capacity = rate.count
        nanosecondsPerToken = rate.nanosecondsPerToken
        tokens = rate.count
        countedAt = now
    }

    /// Takes one token if there is one at `now`; `false` means the action is over the rate.
    public mutating func take(now: NIODeadline) -> Bool {
        refill(now: now)
        guard tokens > 0 else { return false }
        tokens -= 1
        return true
    }

    /// Whether a token is there to take at `now`, without taking it.
    public func hasToken(now: NIODeadline) -> Bool {
        var copy = self
        copy.refill(now: now)
        return copy.tokens > 0
    }

    /// Whether the bucket is full again at `now`: whoever uses it has been idle long enough
    /// that forgetting it changes nothing.
    public func isFull(now: NIODeadline) -> Bool {
        var copy = self
        copy.refill(now: now)
        return copy.tokens == capacity
    }

    /// How long from `now` until a token is there (zero when one is).
    public func timeUntilToken(now: NIODeadline) -> TimeAmount {
        var copy = self
        copy.refill(now: now)
        guard copy.tokens == 0 else { return .zero }
        return .nanoseconds(nanosecondsPerToken - (now - copy.countedAt).nanoseconds)
    }

    private mutating func refill(now: NIODeadline) {
        let elapsed = (now - countedAt).nanoseconds
        guard elapsed >= nanosecondsPerToken else { return }
        let earned = elapsed / nanosecondsPerToken
        if earned >= Int64(capacity - tokens) {
            tokens = capacity
            countedAt = now
        } else {
            tokens += Int(earned)
            // Keep the fraction of the next token already earned.
            countedAt = countedAt + .nanoseconds(earned * nanosecondsPerToken)
        }
    }
}
