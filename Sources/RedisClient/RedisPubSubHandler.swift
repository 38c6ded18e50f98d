import Logging
import NIOCore

/// Speaks Redis's pub/sub mode on a connection that only subscribes: writes `SUBSCRIBE` and
/// `UNSUBSCRIBE`, completes a subscribe request once Redis confirmed each of its channels, and
/// hands each `message` to `onMessage` right here on the event loop.
///
/// Keeps which channels this connection is subscribed to: a channel already subscribed (or
/// being subscribed) is not sent again, and messages that still arrive for a channel after its
/// unsubscribe are dropped.
///
/// Redis refuses a whole `SUBSCRIBE` with one error reply (`NOPERM` when the ACL user may not
/// use a channel): its channels' confirmations fail with ``RedisError/server(_:)`` and
/// `onRefused` is told which channels they were.
///
/// A subscriber only listens, so it would never notice a Redis that froze with the connection
/// open: every ping interval with nothing else awaited, it sends a `PING` (a subscribed RESP2
/// connection answers `["pong", ""]`), and when the oldest command awaited has waited longer
/// than the reply timeout (``ReplyDeadline``) it closes the channel, to reconnect.
final class RedisPubSubHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPValue
    typealias OutboundIn = Request
    typealias OutboundOut = [ByteBuffer]

    /// What the subscriber asks of the connection.
    enum Request: Sendable {
        /// Subscribe to the channels; `confirmed` succeeds once Redis confirmed every one (or
        /// when the connection drops first: the subscriber subscribes them again on reconnect),
        /// and fails if Redis refused one.
        case subscribe([ByteBuffer], confirmed: EventLoopPromise<Void>)
        /// Unsubscribe from the channels.
        case unsubscribe([ByteBuffer])
    }

    private static let subscribeCommand = ByteBuffer(string: "SUBSCRIBE")
    private static let unsubscribeCommand = ByteBuffer(string: "UNSUBSCRIBE")
    private static let pingCommand = ByteBuffer(string: "PING")

    /// A `SUBSCRIBE`, `UNSUBSCRIBE` or `PING` sent and not wholly answered yet: Redis answers a
    /// (un)subscribe with one reply per channel, or with one error for the whole command.
    private struct SentCommand {
        /// The channels of a `SUBSCRIBE`; empty for an `UNSUBSCRIBE` or a `PING`.
        var subscribing: [ByteBuffer]
        /// The replies still to come.
        var repliesDue: Int
        /// When it was written, for the reply deadline.
        var sentAt: NIODeadline
    }

    private let onMessage: @Sendable (_ channel: ByteBuffer, _ message: ByteBuffer) -> Void
    private let onRefused: (_ channels: [ByteBuffer]) -> Void
    private let logger: Logger
    /// The commands sent whose replies are still due, oldest first (Redis answers in order).
    private var sent = CircularBuffer<SentCommand>()
    /// The channels Redis confirmed and that were not unsubscribed since.
    private var subscribed: Set<ByteBuffer> = []
    /// The channels sent in a `SUBSCRIBE` and not yet confirmed, with who waits for each.
    private var confirmations: [ByteBuffer: [EventLoopPromise<Void>]] = [:]
    private var deadline: ReplyDeadline
    private let pingInterval: TimeAmount
    /// The next `PING`, once the channel is active and until it is gone.
    private var pingTimer: Scheduled<Void>?
    /// Whether the channel is active and pinged.
    private var active = false

    /// A handler that hands messages to `onMessage` and the channels of a refused `SUBSCRIBE`
    /// to `onRefused`, both on the event loop, pings Redis every `pingInterval` and closes the
    /// channel when a reply is `replyTimeout` late.
    init(
        replyTimeout: Duration, pingInterval: Duration,
        onMessage: @escaping @Sendable (_ channel: ByteBuffer, _ message: ByteBuffer) -> Void,
        onRefused: @escaping (_ channels: [ByteBuffer]) -> Void, logger: Logger
    ) {
        self.deadline = ReplyDeadline(timeout: replyTimeout)
        self.pingInterval = TimeAmount(pingInterval)
        self.onMessage = onMessage
        self.onRefused = onRefused
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startPinging(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        startPinging(context: context)
        context.fireChannelActive()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .subscribe(let channels, let confirmed):
            var toSend = [Self.subscribeCommand]
            var waits: [EventLoopFuture<Void>] = []
            for channel in channels where !subscribed.contains(channel) {
                let confirmation = context.eventLoop.makePromise(of: Void.self)
                waits.append(confirmation.futureResult)
                if confirmations[channel] == nil { toSend.append(channel) }
                confirmations[channel, default: []].append(confirmation)
            }
            EventLoopFuture.andAllSucceed(waits, on: context.eventLoop).cascade(to: confirmed)
            guard toSend.count > 1 else {
                promise?.succeed()
                return
            }
            let command = SentCommand(subscribing: Array(toSend.dropFirst()), repliesDue: toSend.count - 1, sentAt: context.eventLoop.now)
            awaitReplies(command, context: context)
            context.write(wrapOutboundOut(toSend), promise: promise)
        case .unsubscribe(let channels):
            guard !channels.isEmpty else {  // a bare UNSUBSCRIBE would unsubscribe from all
                promise?.succeed()
                return
            }
            for channel in channels {
                subscribed.remove(channel)
                // The latest wish for the channel is now "unsubscribed": its pending confirmation
                // must not mark it subscribed when it arrives.
                confirmations.removeValue(forKey: channel)?.forEach { $0.succeed() }
            }
            awaitReplies(SentCommand(subscribing: [], repliesDue: channels.count, sentAt: context.eventLoop.now), context: context)
            context.write(wrapOutboundOut([Self.unsubscribeCommand] + channels), promise: promise)
        }
    }

    /// Counts `command` among those awaited, under the reply deadline.
    private func awaitReplies(_ command: SentCommand, context: ChannelHandlerContext) {
        sent.append(command)
        deadline.commandSent(at: command.sentAt, on: context.eventLoop.assumeIsolated()) { [self] in checkDeadline(context: context) }
    }

    /// Closes the channel if the oldest command awaited is overdue: Redis is frozen or unreachable.
    private func checkDeadline(context: ChannelHandlerContext) {
        let overdue = deadline.timerFired(
            oldestSentAt: sent.first?.sentAt, now: context.eventLoop.now, on: context.eventLoop.assumeIsolated()
        ) { [self] in checkDeadline(context: context) }
        guard overdue else { return }
        logger.warning(
            "Redis did not answer the subscriber within the reply timeout; closing the connection",
            metadata: ["timeout": "\(deadline.timeout)"])
        context.close(promise: nil)
    }

    /// Sends a `PING` every ping interval in which nothing else is awaited (what is awaited
    /// already proves Redis alive, or fails the deadline), until the channel is gone.
    private func startPinging(context: ChannelHandlerContext) {
        guard !active else { return }
        active = true
        schedulePing(context: context)
    }

    private func schedulePing(context: ChannelHandlerContext) {
        pingTimer = context.eventLoop.assumeIsolated().scheduleTask(in: pingInterval) { [self] in
            guard active else { return }
            if sent.isEmpty {
                awaitReplies(SentCommand(subscribing: [], repliesDue: 1, sentAt: context.eventLoop.now), context: context)
                context.writeAndFlush(wrapOutboundOut([Self.pingCommand]), promise: nil)
            }
            schedulePing(context: context)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let value = unwrapInboundIn(data)
        if Self.isPong(value) { return replyArrived() }
        guard case .array(let elements?) = value, elements.count == 3,
            case .bulkString(let kind?) = elements[0], case .bulkString(let channel?) = elements[1]
        else {
            if case .error(let message) = value { refused(message) }
            return
        }
        if kind.readableBytesView.elementsEqual("message".utf8) {
            guard case .bulkString(let message?) = elements[2], subscribed.contains(channel) else { return }
            onMessage(channel, message)
        } else if kind.readableBytesView.elementsEqual("subscribe".utf8) {
            replyArrived()
            guard let waiting = confirmations.removeValue(forKey: channel) else { return }
            subscribed.insert(channel)
            waiting.forEach { $0.succeed() }
        } else if kind.readableBytesView.elementsEqual("unsubscribe".utf8) {
            // Nothing else to do: the channel left `subscribed` when the command was sent.
            replyArrived()
        }
    }

    /// Whether `value` answers a `PING`: `["pong", ""]` while subscribed, `+PONG` otherwise.
    private static func isPong(_ value: RESPValue) -> Bool {
        switch value {
        case .simpleString("PONG"): true
        case .array(let elements?):
            elements.count == 2 && elements[0] == .bulkString(ByteBuffer(string: "pong"))
        default: false
        }
    }

    /// Counts one reply of the oldest command still answered.
    private func replyArrived() {
        guard !sent.isEmpty else { return }
        sent[sent.startIndex].repliesDue -= 1
        if sent[sent.startIndex].repliesDue <= 0 { sent.removeFirst() }
    }

    /// Redis refused the oldest command still answered: if it subscribed, its channels'
    /// confirmations fail and they are not wanted any more.
    private func refused(_ message: String) {
        let command = sent.popFirst()
        logger.warning("Redis refused a subscriber command", metadata: ["error": "\(message)"])
        guard let channels = command?.subscribing, !channels.isEmpty else { return }
        for channel in channels {
            confirmations.removeValue(forKey: channel)?.forEach { $0.fail(RedisError.server(message)) }
        }
        onRefused(channels)
    }

    func channelInactive(context: ChannelHandlerContext) {
        stopTimers()
        confirmAllWaiting()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stopTimers()
        confirmAllWaiting()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.warning("closing the Redis subscriber connection after an error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    private func stopTimers() {
        active = false
        pingTimer?.cancel()
        pingTimer = nil
        deadline.stop()
    }

    /// The connection is gone: the waiting channels stay wanted and are subscribed on reconnect.
    private func confirmAllWaiting() {
        let waiting = confirmations
        confirmations = [:]
        for promises in waiting.values { promises.forEach { $0.succeed() } }
    }
}
