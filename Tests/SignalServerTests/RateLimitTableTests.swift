import NIOCore
@testable import SignalServer
import Signaling
import Testing

/// The per-address buckets of the HTTP rate limits stay bounded however many addresses come.
@Suite struct RateLimitTableTests {
    static let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    static func address(_ index: Int) -> IPAddress {
        IPAddress("10.\(index >> 16 & 255).\(index >> 8 & 255).\(index & 255)")!
    }

    @Test func neverHoldsMoreThanItsBoundAndForgetsRefilledBucketsFirst() {
        let table = RateLimitTable(rate: Rate(1, per: TimeToLive(seconds: 3600)))
        let bound = RateLimitTable.maximumAddresses
        for index in 0..<bound { _ = table.take(for: Self.address(index), now: Self.start) }
        #expect(table.count == bound)
        // Every bucket is empty: a new address drops one of them, and the table stays at its bound.
        #expect(table.take(for: Self.address(bound), now: Self.start) == nil)
        #expect(table.count == bound)
        // An hour later every old bucket is full again: they are swept, the new address stays.
        #expect(table.take(for: Self.address(bound + 1), now: Self.start + .seconds(3600)) == nil)
        #expect(table.count == 1)
        // A swept address starts over with a full bucket; a tracked one is still limited.
        #expect(table.take(for: Self.address(0), now: Self.start + .seconds(3600)) == nil)
        #expect(table.take(for: Self.address(bound + 1), now: Self.start + .seconds(3600)) != nil)
    }
}
