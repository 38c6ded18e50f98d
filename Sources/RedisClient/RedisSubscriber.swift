public import Logging
public import NIOCore

/// A connection to Redis that only subscribes to channels (Redis allows nothing else on it),
/// reconnecting by itself.
///
/// It remembers the channels subscribed to and subscribes all of them again after a reconnect.
/// Messages go to `onMessage` on the event loop, straight from the channel handler.
///
/// It pings Redis every ping interval in which it awaits nothing else; when the oldest reply
/// awaited is later than the reply timeout (Redis frozen, or the network dropping everything
/// while the TCP connection stays open), it drops the connection and reconnects.
public final class RedisSubscriber: Sendable {
    private let channel: ReconnectingRedisChannel
    /// The channels wanted, subscribed again on every reconnect.
    private let channels: NIOLoopBoundBox<Set<ByteBuffer>>

    /// A subscriber connection to `endpoint` on `eventLoop`; nothing happens before ``start()``.
    ///
    /// - Parameters:
    ///   - reconnectBackoff: the shortest and longest pause between reconnect attempts.
    ///   - replyTimeout: how long the oldest reply awaited (to a `PING`, a `SUBSCRIBE`, the
    ///     login) may be late before the connection counts as dead and is closed.
    ///   - pingInterval: how long the connection may stay quiet before a `PING` checks that
    ///     Redis still answers; a frozen Redis is noticed within this plus `replyTimeout`.
    ///   - onMessage: called on the event loop with each message's channel and payload.
    ///   - onStateChange: called on the event loop with `true` once connected and subscribed to
    ///     every channel again, with `false` when the connection drops.
    public init(
        endpoint: RedisEndpoint, eventLoop: any EventLoop, logger: Logger,
        reconnectBackoff: ClosedRange<Duration> = .milliseconds(50) ... .seconds(2),
        replyTimeout: Duration = .seconds(5), pingInterval: Duration = .seconds(1),
        onMessage: @escaping @Sendable (_ channel: ByteBuffer, _ message: ByteBuffer) -> Void,
        onStateChange: @escaping @Sendable (_ connected: Bool) -> Void = { _ in }
    ) {
        let channels = NIOLoopBoundBox.makeBoxSendingValue(Set<ByteBuffer>(), eventLoop: eventLoop)
        let role = ReconnectingRedisChannel.Role(
            addHandler: { channel in
                // Runs on the event loop, as every handler callback: the set is only touched there.
                let handler = RedisPubSubHandler(
                    replyTimeout: replyTimeout, pingInterval: pingInterval, onMessage: onMessage, onRefused: { refused in channels.value.subtract(refused) }, logger: logger)
                try channel.pipeline.syncOperations.addHandler(handler)
            },
            // A refused channel is dropped (and logged by the handler): the rest stay subscribed.
            prepare: { channel in RedisSubscriber.subscribe(Array(channels.value), on: channel).recover { _ in } }
        )
        self.channels = channels
        channel = ReconnectingRedisChannel(
            endpoint: endpoint, eventLoop: eventLoop, logger: logger, reconnectBackoff: reconnectBackoff,
            replyTimeout: replyTimeout, role: role, onStateChange: onStateChange
        )
    }

    /// Connects in the background and reconnects whenever the connection drops (with doubling,
    /// capped, jittered pauses) until ``close()``.
    public func start() {
        channel.start()
    }

    /// Whether the connection is up and subscribed to every channel; readable from any thread.
    public var isConnected: Bool { channel.isConnected }

    /// Subscribes to `channels` (those already subscribed are not sent again). Succeeds once
    /// Redis confirmed every one, or at once while disconnected: they are subscribed on reconnect.
    ///
    /// Fails with ``RedisError/server(_:)`` when Redis refuses the subscription (`NOPERM` for an
    /// ACL user without access to a channel); the channels it refused are then not wanted any
    /// more, and are not subscribed again on reconnect.
    public func subscribe(_ channels: [ByteBuffer]) -> EventLoopFuture<Void> {
        let confirmed = channel.eventLoop.makePromise(of: Void.self)
        channel.onEventLoop { [self] in
            self.channels.value.formUnion(channels)
            guard let connection = channel.loggedInChannel else { return confirmed.succeed() }
            Self.subscribe(channels, on: connection).cascade(to: confirmed)
        }
        return confirmed.futureResult
    }

    /// Unsubscribes from `channels`; no message for them is delivered after this returns on the
    /// event loop.
    public func unsubscribe(_ channels: [ByteBuffer]) {
        channel.onEventLoop { [self] in
            self.channels.value.subtract(channels)
            channel.loggedInChannel?.writeAndFlush(RedisPubSubHandler.Request.unsubscribe(channels), promise: nil)
        }
    }

    /// Closes the connection and stops reconnecting.
    public func close() -> EventLoopFuture<Void> {
        channel.close()
    }

    /// Subscribes `connection` to `channels`; succeeds once Redis confirmed them all (or the
    /// connection dropped), fails if Redis refused one.
    private static func subscribe(_ channels: [ByteBuffer], on connection: any Channel) -> EventLoopFuture<Void> {
        // A closed channel's handlers are gone: the request would never be answered.
        guard connection.isActive else { return connection.eventLoop.makeSucceededVoidFuture() }
        let confirmed = connection.eventLoop.makePromise(of: Void.self)
        connection.writeAndFlush(RedisPubSubHandler.Request.subscribe(channels, confirmed: confirmed), promise: nil)
        return confirmed.futureResult
    }
}
