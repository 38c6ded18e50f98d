import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
@testable import RedisClient
import Testing

/// The reply deadline and the subscriber's pings on an `EmbeddedChannel`, whose clock only moves
/// when the test moves it: which reply is late, and when, without waiting. ``FrozenRedisTests``
/// runs the same against a real, frozen `redis-server`.
@Suite struct ReplyDeadlineTests {
    private static func command(_ reply: EventLoopPromise<RESPValue>?) -> RedisCommandHandler.Command {
        RedisCommandHandler.Command(arguments: [ByteBuffer(string: "GET"), ByteBuffer(string: "k")], reply: reply)
    }

    /// An active `EmbeddedChannel` with `handler`.
    private static func connectedChannel(_ handler: some ChannelHandler) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6379)).wait()
        return channel
    }

    /// How `future` ended, once it has (an `EmbeddedEventLoop` runs its callbacks at once).
    private static func result(of future: EventLoopFuture<RESPValue>) -> Result<RESPValue, any Error>? {
        let result = NIOLockedValueBox<Result<RESPValue, any Error>?>(nil)
        future.whenComplete { outcome in result.withLockedValue { $0 = outcome } }
        return result.withLockedValue { $0 }
    }

    @Test func closesOnceTheOldestCommandWaitedTheTimeoutCountedFromItsOwnSend() throws {
        let channel = try Self.connectedChannel(RedisCommandHandler(replyTimeout: .seconds(1), logger: silentLogger))
        let loop = channel.embeddedEventLoop
        let first = loop.makePromise(of: RESPValue.self)
        let second = loop.makePromise(of: RESPValue.self)
        try channel.writeOutbound(Self.command(first))
        loop.advanceTime(by: .milliseconds(500))
        try channel.writeOutbound(Self.command(second))
        loop.advanceTime(by: .milliseconds(400))
        try channel.writeInbound(RESPValue.simpleString("OK"))
        #expect(Self.result(of: first.futureResult).flatMap { try? $0.get() } == .simpleString("OK"))
        // The timer set for the first command finds the second one 0.5 s old, and waits for it.
        loop.advanceTime(by: .milliseconds(500))
        #expect(channel.isActive)
        #expect(Self.result(of: second.futureResult) == nil)
        loop.advanceTime(by: .milliseconds(100))
        #expect(!channel.isActive)
        #expect(throws: RedisError.timedOut) { try Self.result(of: second.futureResult)?.get() }
    }

    @Test func answeredCommandsAndIdleTimeNeverTimeOut() throws {
        let channel = try Self.connectedChannel(RedisCommandHandler(replyTimeout: .seconds(1), logger: silentLogger))
        let loop = channel.embeddedEventLoop
        for _ in 0..<5 {
            try channel.writeOutbound(Self.command(nil))
            loop.advanceTime(by: .milliseconds(900))
            try channel.writeInbound(RESPValue.simpleString("OK"))
            loop.advanceTime(by: .seconds(3))
        }
        #expect(channel.isActive)
        try channel.close().wait()
    }

    @Test func subscriberPingsWhenQuietAndClosesWhenThePongIsLate() throws {
        let handler = RedisPubSubHandler(
            replyTimeout: .seconds(1), pingInterval: .milliseconds(200), onMessage: { _, _ in }, onRefused: { _ in },
            logger: silentLogger)
        let channel = try Self.connectedChannel(handler)
        let loop = channel.embeddedEventLoop
        let ping = [ByteBuffer(string: "PING")]
        // Answered pongs (both forms) keep it open.
        loop.advanceTime(by: .milliseconds(200))
        #expect(try channel.readOutbound(as: [ByteBuffer].self) == ping)
        try channel.writeInbound(RESPValue.array([.bulkString(ByteBuffer(string: "pong")), .bulkString(ByteBuffer())]))
        loop.advanceTime(by: .milliseconds(200))
        #expect(try channel.readOutbound(as: [ByteBuffer].self) == ping)
        try channel.writeInbound(RESPValue.simpleString("PONG"))
        // An unanswered PING: no second one while it is awaited, and the channel closes 1 s after it.
        loop.advanceTime(by: .milliseconds(200))
        #expect(try channel.readOutbound(as: [ByteBuffer].self) == ping)
        loop.advanceTime(by: .milliseconds(900))
        #expect(try channel.readOutbound(as: [ByteBuffer].self) == nil)
        #expect(channel.isActive)
        loop.advanceTime(by: .milliseconds(100))
        #expect(!channel.isActive)
    }
}
