import NIOCore
import Signaling
import NIOConcurrencyHelpers

/// A ``TokenBucket`` per client address for one HTTP rate limit (`TOKEN_RATE`,
/// `ADMIN_FAILURE_RATE`), bounded in memory.
///
/// An address gets a bucket on first use, and the table never holds more than
/// ``maximumAddresses``: when it is full, the buckets that have filled up again are swept out
/// (a new one would act the same), and if none has, an arbitrary one is dropped. Many
/// addresses can thus make the table forget one of them, never outgrow the bound.
final class RateLimitTable: Sendable {
    /// The most addresses tracked at once (≈ 100 bytes each).
    static let maximumAddresses = 10_000

    /// The rate each address gets.
    let rate: Rate
    private let buckets = NIOLockedValueBox<[IPAddress: TokenBucket]>([:])

    init(rate: Rate) {
        self.rate = rate
    }

    /// Takes a token for `address` at `now`; when there is none, how long until there is.
    func take(for address: IPAddress, now: NIODeadline = .now()) -> TimeAmount? {
        buckets.withLockedValue { buckets in
            var bucket = buckets[address] ?? Self.newBucket(in: &buckets, rate: rate, now: now)
            defer { buckets[address] = bucket }
            return bucket.take(now: now) ? nil : bucket.timeUntilToken(now: now)
        }
    }

    /// When `address` has no token left, how long until it has one; `nil` when it has one.
    func wait(for address: IPAddress, now: NIODeadline = .now()) -> TimeAmount? {
        buckets.withLockedValue { buckets in
            guard let bucket = buckets[address], !bucket.hasToken(now: now) else { return nil }
            return bucket.timeUntilToken(now: now)
        }
    }

    /// Addresses tracked now.
    var count: Int { buckets.withLockedValue { $0.count } }

    private static func newBucket(in buckets: inout [IPAddress: TokenBucket], rate: Rate, now: NIODeadline) -> TokenBucket {
        if buckets.count >= maximumAddresses {
            buckets = buckets.filter { !$0.value.isFull(now: now) }
            if buckets.count >= maximumAddresses { buckets.remove(at: buckets.startIndex) }
        }
        return TokenBucket(rate: rate, now: now)
    }
}
