import NIOCore

/// Sends the commands every (re)connect starts with (`AUTH`, `SELECT`, then `PING`) as soon as
/// the channel is active, consumes their replies, then removes itself and succeeds `loggedIn`.
///
/// Nothing else is written before `loggedIn` succeeds, so the first replies are these. An error
/// reply to `AUTH` or `SELECT` fails `loggedIn` with ``RedisError/server(_:)`` and closes the
/// channel. The `PING` is there because the kernel accepts a connection for a frozen Redis too:
/// any reply to it (even `NOAUTH` when no password is given) proves Redis answers, and none
/// within the reply timeout fails `loggedIn` with ``RedisError/timedOut`` and closes the channel.
final class RedisHandshakeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = RESPValue
    typealias InboundOut = RESPValue
    typealias OutboundOut = [ByteBuffer]

    private let commands: [[ByteBuffer]]
    private var repliesExpected: Int
    private var loggedIn: EventLoopPromise<Void>?
    private var startedAt: NIODeadline?
    private var deadline: ReplyDeadline

    /// `commands` for an endpoint: `AUTH [user] password` if it has a password, `SELECT db` if
    /// it has a database, and always `PING` last.
    static func commands(for endpoint: RedisEndpoint) -> [[ByteBuffer]] {
        var commands: [[ByteBuffer]] = []
        if let password = endpoint.password {
            commands.append(["AUTH", endpoint.user, password].compactMap { $0.map { ByteBuffer(string: $0) } })
        }
        if let database = endpoint.database {
            commands.append([ByteBuffer(string: "SELECT"), ByteBuffer(string: String(database))])
        }
        commands.append([ByteBuffer(string: "PING")])
        return commands
    }

    /// A handler that sends `commands` (the last one a `PING`) and gives Redis `replyTimeout`
    /// to answer them.
    init(commands: [[ByteBuffer]], replyTimeout: Duration, loggedIn: EventLoopPromise<Void>) {
        self.commands = commands
        self.repliesExpected = commands.count
        self.loggedIn = loggedIn
        self.deadline = ReplyDeadline(timeout: replyTimeout)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        start(context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard loggedIn != nil else { return context.fireChannelRead(data) }
        repliesExpected -= 1
        if repliesExpected > 0, case .error(let message) = unwrapInboundIn(data) {
            end(.failure(RedisError.server(message)), context: context)
            return
        }
        if repliesExpected == 0 { end(.success(()), context: context) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline.stop()
        loggedIn?.fail(RedisError.connectionLost)
        loggedIn = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline.stop()
        loggedIn?.fail(RedisError.connectionLost)
        loggedIn = nil
    }

    private func start(context: ChannelHandlerContext) {
        guard startedAt == nil else { return }
        let now = context.eventLoop.now
        startedAt = now
        deadline.commandSent(at: now, on: context.eventLoop.assumeIsolated()) { [self] in checkDeadline(context: context) }
        for command in commands { context.write(wrapOutboundOut(command), promise: nil) }
        context.flush()
    }

    private func checkDeadline(context: ChannelHandlerContext) {
        let overdue = deadline.timerFired(
            oldestSentAt: loggedIn == nil ? nil : startedAt, now: context.eventLoop.now, on: context.eventLoop.assumeIsolated()
        ) { [self] in checkDeadline(context: context) }
        if overdue { end(.failure(RedisError.timedOut), context: context) }
    }

    /// Completes `loggedIn`; steps out of the pipeline on success, closes the channel on failure.
    private func end(_ result: Result<Void, any Error>, context: ChannelHandlerContext) {
        guard let loggedIn else { return }
        self.loggedIn = nil
        deadline.stop()
        switch result {
        case .success:
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        case .failure:
            context.close(promise: nil)
        }
        loggedIn.completeWith(result)
    }
}
