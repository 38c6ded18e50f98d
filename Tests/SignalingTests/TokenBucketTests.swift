import NIOCore
import Signaling
import Testing

@Suite struct TokenBucketTests {
    static let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    /// Takes a token from `bucket` at `now` (outside `#expect`, which cannot mutate).
    static func take(_ bucket: inout TokenBucket, at now: NIODeadline) -> Bool {
        bucket.take(now: now)
    }

    @Test func startsFullTakesItsCapacityThenRefusesUntilATokenComesBack() {
        // 4 per 2 s: one token every 500 ms.
        var bucket = TokenBucket(rate: Rate(4, per: TimeToLive(seconds: 2)), now: Self.start)
        #expect(bucket.isFull(now: Self.start))
        let first = (0..<5).map { _ in Self.take(&bucket, at: Self.start) }
        #expect(first == [true, true, true, true, false])
        #expect(!bucket.hasToken(now: Self.start + .milliseconds(499)))
        #expect(bucket.timeUntilToken(now: Self.start + .milliseconds(100)) == .milliseconds(400))
        let later = [500, 700, 1_000].map { Self.take(&bucket, at: Self.start + .milliseconds($0)) }
        // The 200 ms already earned at 700 ms towards the next token are kept: one more at 1 s.
        #expect(later == [true, false, true])
    }

    @Test func refillsToItsCapacityAndNoFurther() {
        var bucket = TokenBucket(rate: Rate(3, per: TimeToLive(seconds: 3)), now: Self.start)
        for _ in 0..<3 { _ = Self.take(&bucket, at: Self.start) }
        let later = Self.start + .seconds(3600)
        #expect(bucket.isFull(now: later))
        let taken = (0..<4).map { _ in Self.take(&bucket, at: later) }
        #expect(taken == [true, true, true, false])
        #expect(bucket.timeUntilToken(now: later) == .seconds(1))
    }

    @Test func aClockThatSeemsToGoBackGivesNothing() {
        var bucket = TokenBucket(rate: Rate(1, per: TimeToLive(seconds: 1)), now: Self.start)
        let taken = [Self.start, Self.start - .seconds(5)].map { Self.take(&bucket, at: $0) }
        #expect(taken == [true, false])
    }

    @Test(arguments: [
        ("300/10s", 300, 10), ("10/1m", 10, 60), ("100/s", 100, 1), (" 5 / 2h", 5, 7_200), ("1000000000/1s", 1_000_000_000, 1),
    ])
    func parsesRates(_ text: String, count: Int, seconds: Int) throws {
        let rate = try Rate(parsing: text)
        #expect(rate == Rate(count, per: TimeToLive(seconds: seconds)))
        #expect(try Rate(parsing: rate.description) == rate)
    }

    @Test(arguments: ["", "10", "/s", "0/s", "-1/s", "10/0s", "10/-1s", "1.5/s", "10/fortnight", "1000000001/s", "10/s/s"])
    func refusesMalformedRates(_ text: String) {
        #expect(throws: RateError.malformed) { try Rate(parsing: text) }
    }

    @Test func describesThePeriodInItsLargestWholeUnit() {
        #expect(Rate(10, per: TimeToLive(seconds: 60)).description == "10/1m")
        #expect(Rate(300, per: TimeToLive(seconds: 10)).description == "300/10s")
        #expect(Rate(1, per: TimeToLive(seconds: 7_200)).description == "1/2h")
    }
}
