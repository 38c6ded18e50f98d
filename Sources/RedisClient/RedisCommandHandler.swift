import Logging
import NIOCore

/// Writes commands and matches Redis's replies to them in order (Redis answers the commands of
/// one connection in the order it received them, so any number may be in flight).
///
/// When the channel goes away, every command still waiting fails with
/// ``RedisError/connectionLost`` (or ``RedisError/closed`` if the connection was closed on
/// purpose), and so does any command written after that. When the oldest command has waited
/// longer than the reply timeout (``ReplyDeadline``), the handler closes the channel and they
/// fail with ``RedisError/timedOut``.
final class RedisCommandHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPValue
    typealias OutboundIn = Command
    typealias OutboundOut = [ByteBuffer]

    /// A command and where its reply goes.
    struct Command: Sendable {
        /// The command's name and arguments.
        var arguments: [ByteBuffer]
        /// Completed with the reply; `nil` to drop the reply (an error reply is logged at debug).
        var reply: EventLoopPromise<RESPValue>?
    }

    /// A command written and not answered yet.
    private struct Waiting {
        var reply: EventLoopPromise<RESPValue>?
        var sentAt: NIODeadline
    }

    /// The commands waiting for their replies, oldest first (Redis answers in order).
    private var waiting = CircularBuffer<Waiting>(initialCapacity: 64)
    /// Set once the channel is closing or closed: what the waiting and later commands fail with.
    private var unavailable: RedisError?
    private var deadline: ReplyDeadline
    private let logger: Logger

    /// A handler that closes the channel when a reply is `replyTimeout` late.
    init(replyTimeout: Duration, logger: Logger) {
        self.deadline = ReplyDeadline(timeout: replyTimeout)
        self.logger = logger
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let command = unwrapOutboundIn(data)
        if let unavailable {
            command.reply?.fail(unavailable)
            promise?.fail(unavailable)
            return
        }
        let now = context.eventLoop.now
        waiting.append(Waiting(reply: command.reply, sentAt: now))
        deadline.commandSent(at: now, on: context.eventLoop.assumeIsolated()) { [self] in checkDeadline(context: context) }
        context.write(wrapOutboundOut(command.arguments), promise: promise)
    }

    /// Closes the channel if the oldest command is overdue: Redis is frozen or unreachable.
    private func checkDeadline(context: ChannelHandlerContext) {
        let overdue = deadline.timerFired(
            oldestSentAt: waiting.first?.sentAt, now: context.eventLoop.now, on: context.eventLoop.assumeIsolated()
        ) { [self] in checkDeadline(context: context) }
        guard overdue, unavailable == nil else { return }
        logger.warning("Redis did not answer within the reply timeout; closing the connection", metadata: ["timeout": "\(deadline.timeout)"])
        unavailable = .timedOut
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let value = unwrapInboundIn(data)
        guard let command = waiting.popFirst() else {
            logger.warning("Redis sent a reply to no command; closing the connection")
            context.close(promise: nil)
            return
        }
        switch (value, command.reply) {
        case (.error(let message), let reply?):
            reply.fail(RedisError.server(message))
        case (.error(let message), nil):
            logger.debug("Redis answered a command sent without waiting for its reply with an error", metadata: ["error": "\(message)"])
        case (_, let reply?):
            reply.succeed(value)
        case (_, nil):
            break
        }
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if unavailable == nil { unavailable = .closed }
        context.close(mode: mode, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failWaiting()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        failWaiting()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.warning("closing the Redis connection after an error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    private func failWaiting() {
        if unavailable == nil { unavailable = .connectionLost }
        let error = unavailable!
        deadline.stop()
        while let command = waiting.popFirst() { command.reply?.fail(error) }
    }
}
