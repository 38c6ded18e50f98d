public import Logging
public import NIOCore

/// One connection to Redis for commands, reconnecting by itself, with pipelining: any number
/// of commands may be in flight, each reply goes to its own command in order.
///
/// Commands may be sent from any thread. While the connection is down they fail at once with
/// ``RedisError/notConnected`` (nothing is queued for later); commands in flight when it drops
/// fail with ``RedisError/connectionLost``. When the oldest command in flight has waited longer
/// than the reply timeout (Redis frozen, or the network dropping everything while the TCP
/// connection stays open), the connection is closed, its commands fail with
/// ``RedisError/timedOut``, and it reconnects. A blocking command (`BLPOP`) must therefore
/// block for less than the reply timeout.
public final class RedisConnection: Sendable {
    private let channel: ReconnectingRedisChannel
    /// Whether a flush is already scheduled for this event-loop tick: the commands sent in one
    /// tick go out with one flush.
    private let flushScheduled: NIOLoopBoundBox<Bool>

    /// A connection to `endpoint` on `eventLoop`; nothing happens before ``start()``.
    ///
    /// - Parameters:
    ///   - reconnectBackoff: the shortest and longest pause between reconnect attempts.
    ///   - replyTimeout: how long the oldest command in flight (or the login) may wait for its
    ///     reply before the connection counts as dead and is closed.
    ///   - scripts: scripts loaded (`SCRIPT LOAD`) on every connection before it counts as
    ///     connected, so that ``run(_:keys:arguments:)`` finds them cached and pipelined runs
    ///     execute in the order they were sent (a `NOSCRIPT` retry would run after later commands).
    ///   - onStateChange: called on the event loop with `true` once connected, logged in,
    ///     answered and the scripts loaded, with `false` when the connection drops.
    public init(
        endpoint: RedisEndpoint, eventLoop: any EventLoop, logger: Logger,
        reconnectBackoff: ClosedRange<Duration> = .milliseconds(50) ... .seconds(2),
        replyTimeout: Duration = .seconds(5), scripts: [RedisScript] = [],
        onStateChange: @escaping @Sendable (_ connected: Bool) -> Void = { _ in }
    ) {
        let role = ReconnectingRedisChannel.Role(
            addHandler: { channel in
                try channel.pipeline.syncOperations.addHandler(RedisCommandHandler(replyTimeout: replyTimeout, logger: logger))
            },
            prepare: { channel in
                let loads = scripts.map { script in
                    let reply = channel.eventLoop.makePromise(of: RESPValue.self)
                    let load = [ByteBuffer(string: "SCRIPT"), ByteBuffer(string: "LOAD"), ByteBuffer(string: script.source)]
                    channel.write(RedisCommandHandler.Command(arguments: load, reply: reply), promise: nil)
                    return reply.futureResult.map { _ in }
                }
                channel.flush()
                return EventLoopFuture.andAllSucceed(loads, on: channel.eventLoop)
            }
        )
        channel = ReconnectingRedisChannel(
            endpoint: endpoint, eventLoop: eventLoop, logger: logger, reconnectBackoff: reconnectBackoff,
            replyTimeout: replyTimeout, role: role, onStateChange: onStateChange
        )
        flushScheduled = .makeBoxSendingValue(false, eventLoop: eventLoop)
    }

    /// Connects in the background and reconnects whenever the connection drops (with doubling,
    /// capped, jittered pauses) until ``close()``.
    public func start() {
        channel.start()
    }

    /// Whether the connection is up and logged in; readable from any thread.
    public var isConnected: Bool { channel.isConnected }

    /// Sends a command (its name and arguments) and returns its reply; an error reply fails
    /// with ``RedisError/server(_:)``.
    public func send(_ arguments: [ByteBuffer]) -> EventLoopFuture<RESPValue> {
        if let refusal = channel.refusal { return channel.eventLoop.makeFailedFuture(refusal) }
        let reply = channel.eventLoop.makePromise(of: RESPValue.self)
        enqueue(RedisCommandHandler.Command(arguments: arguments, reply: reply))
        return reply.futureResult
    }

    /// Sends a command given as strings (its name and arguments, as UTF-8) and returns its reply.
    public func send(_ arguments: String...) -> EventLoopFuture<RESPValue> {
        send(arguments.map { ByteBuffer(string: $0) })
    }

    /// Sends a command without waiting for its reply (`PUBLISH`, say): no promise is made, an
    /// error reply is only logged at debug level, and while disconnected the command is dropped.
    public func sendIgnoringReply(_ arguments: [ByteBuffer]) {
        guard channel.isConnected else { return }
        enqueue(RedisCommandHandler.Command(arguments: arguments, reply: nil))
    }

    /// Runs `script` with `EVALSHA`, and with `EVAL` (which caches it again) if Redis does not
    /// know it (`NOSCRIPT`: a script not given to ``init(endpoint:eventLoop:logger:reconnectBackoff:replyTimeout:scripts:onStateChange:)``,
    /// or after a `SCRIPT FLUSH`). Such a retry runs after the commands sent meanwhile.
    public func run(_ script: RedisScript, keys: [ByteBuffer], arguments: [ByteBuffer]) -> EventLoopFuture<RESPValue> {
        let parameters = [ByteBuffer(string: String(keys.count))] + keys + arguments
        return send([ByteBuffer(string: "EVALSHA"), ByteBuffer(string: script.sha1)] + parameters).flatMapError { [self] error in
            guard case RedisError.server(let message) = error, message.hasPrefix("NOSCRIPT") else {
                return channel.eventLoop.makeFailedFuture(error)
            }
            return send([ByteBuffer(string: "EVAL"), ByteBuffer(string: script.source)] + parameters)
        }
    }

    /// Closes the connection and stops reconnecting; commands in flight fail with
    /// ``RedisError/closed``, later ones too.
    public func close() -> EventLoopFuture<Void> {
        channel.close()
    }

    /// Writes `command` on the event loop and makes sure a flush follows within the same tick.
    private func enqueue(_ command: RedisCommandHandler.Command) {
        channel.onEventLoop { [self] in
            guard let connection = channel.loggedInChannel else {
                command.reply?.fail(channel.refusal ?? .connectionLost)
                return
            }
            connection.write(command, promise: nil)
            guard !flushScheduled.value else { return }
            flushScheduled.value = true
            channel.eventLoop.execute { [self] in
                flushScheduled.value = false
                connection.flush()
            }
        }
    }
}
