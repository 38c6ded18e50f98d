import NIOCore
import NIOPosix
import RedisClient
import TestServices
import Testing

/// A started ``RedisSubscriber``, with the states it reported and the messages it delivered.
struct Subscriber: StoppableService {
    let subscriber: RedisSubscriber
    /// Every `onStateChange` value, in order.
    let states: Recorder<Bool>
    /// Every message as (channel, payload) text, in order.
    let messages: Recorder<Message>

    /// A message as UTF-8 text.
    struct Message: Sendable, Equatable, CustomStringConvertible {
        let channel: String
        let payload: String
        var description: String { "\(channel): \(payload)" }
    }

    /// Starts a subscriber to `endpoint` (with ``testReplyTimeout`` and a 1 s ping interval
    /// unless given) and returns once it is connected.
    static func start(
        _ endpoint: RedisEndpoint, backoff: ClosedRange<Duration> = quickBackoff, replyTimeout: Duration = testReplyTimeout,
        pingInterval: Duration = .seconds(1)
    ) async throws -> Subscriber {
        let states = Recorder<Bool>()
        let messages = Recorder<Message>()
        let subscriber = RedisSubscriber(
            endpoint: endpoint, eventLoop: MultiThreadedEventLoopGroup.singleton.next(), logger: silentLogger,
            reconnectBackoff: backoff, replyTimeout: replyTimeout, pingInterval: pingInterval,
            onMessage: { channel, payload in messages.record(Message(channel: String(buffer: channel), payload: String(buffer: payload))) },
            onStateChange: states.record)
        subscriber.start()
        do {
            #expect(try await states.first(1, "the subscriber connection") == [true])
        } catch {
            try? await subscriber.close().get()
            throw error
        }
        return Subscriber(subscriber: subscriber, states: states, messages: messages)
    }

    /// Subscribes to channels given as strings and waits for the confirmation.
    func subscribe(_ channels: String...) async throws {
        try await subscriber.subscribe(channels.map { ByteBuffer(string: $0) }).get()
    }

    /// Closes the connection; a close that fails is recorded as an issue of the test.
    func stop() async {
        await #expect(throws: Never.self) { try await subscriber.close().get() }
    }
}

/// Runs `body` with a connected subscriber to `endpoint`, closed after it whatever happens.
@discardableResult
func withSubscriber<T: Sendable>(
    _ endpoint: RedisEndpoint, replyTimeout: Duration = testReplyTimeout, pingInterval: Duration = .seconds(1),
    _ body: (Subscriber) async throws -> T
) async throws -> T {
    try await Subscriber.start(endpoint, replyTimeout: replyTimeout, pingInterval: pingInterval).stopping(after: body)
}
