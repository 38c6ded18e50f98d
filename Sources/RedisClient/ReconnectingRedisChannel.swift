import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Synchronization

/// Keeps one TCP connection to Redis: connects, logs in (`AUTH`, `SELECT`) before anything
/// else, and after a failed attempt or a dropped connection tries again after a
/// ``ReconnectBackoff`` pause, for ever until ``close()``. Redis must answer within the reply
/// timeout, from the login on (``RedisHandshakeHandler``); the role's handler keeps that
/// deadline for the replies that follow.
///
/// What the connection is for (commands, pub/sub) is its ``Role``. All state lives on
/// `eventLoop` (the connection's own); only ``isConnected`` and ``refusal`` are read from
/// anywhere.
final class ReconnectingRedisChannel: Sendable {
    /// What a connection is used for, plugged into each new channel.
    struct Role: Sendable {
        /// Adds the handler that takes Redis's replies after the login; runs on the event loop
        /// while the channel is set up.
        var addHandler: @Sendable (_ channel: any Channel) throws -> Void
        /// Runs after the login (to subscribe again, say); the connection counts as connected
        /// once it succeeds.
        var prepare: @Sendable (_ channel: any Channel) -> EventLoopFuture<Void>
    }

    private enum Phase {
        /// Not started.
        case idle
        /// Connecting and logging in; the channel once it exists.
        case connecting((any Channel)?)
        /// Logged in; connected once the role's preparation succeeded.
        case loggedIn(any Channel)
        /// Pausing before the next attempt.
        case waiting(Scheduled<Void>)
        /// ``close()`` was called.
        case closed
    }

    private struct State {
        var phase = Phase.idle
        var backoff: ReconnectBackoff
    }

    /// Where Redis is.
    let endpoint: RedisEndpoint
    /// The event loop the channel and all of this state live on.
    let eventLoop: any EventLoop
    /// How long Redis may take to answer the login.
    private let replyTimeout: Duration
    private let logger: Logger
    private let role: Role
    private let onStateChange: @Sendable (_ connected: Bool) -> Void
    private let state: NIOLoopBoundBox<State>
    private let connected = Atomic(false)
    private let closed = Atomic(false)

    init(
        endpoint: RedisEndpoint, eventLoop: any EventLoop, logger: Logger, reconnectBackoff: ClosedRange<Duration>,
        replyTimeout: Duration, role: Role, onStateChange: @escaping @Sendable (_ connected: Bool) -> Void
    ) {
        self.endpoint = endpoint
        self.replyTimeout = replyTimeout
        self.eventLoop = eventLoop
        var logger = logger
        logger[metadataKey: "redis"] = "\(endpoint)"
        self.logger = logger
        self.role = role
        self.onStateChange = onStateChange
        self.state = .makeBoxSendingValue(State(backoff: ReconnectBackoff(reconnectBackoff)), eventLoop: eventLoop)
    }

    /// Whether the connection is logged in and prepared; readable from any thread.
    var isConnected: Bool { connected.load(ordering: .acquiring) }

    /// Why a command would be refused right now (``RedisError/closed`` or
    /// ``RedisError/notConnected``), or `nil` when connected; readable from any thread.
    var refusal: RedisError? {
        if closed.load(ordering: .acquiring) { return .closed }
        return isConnected ? nil : .notConnected
    }

    /// The active channel once logged in (perhaps still being prepared); on the event loop only.
    var loggedInChannel: (any Channel)? {
        guard case .loggedIn(let channel) = state.value.phase, channel.isActive else { return nil }
        return channel
    }

    /// Runs `body` on the event loop: right away when already there, else as soon as it can.
    func onEventLoop(_ body: @escaping @Sendable () -> Void) {
        if eventLoop.inEventLoop { body() } else { eventLoop.execute(body) }
    }

    /// Starts connecting in the background; does nothing if already started or closed.
    func start() {
        onEventLoop { [self] in
            guard case .idle = state.value.phase else { return }
            connect()
        }
    }

    /// Closes the connection and stops reconnecting; succeeds once the channel is closed.
    func close() -> EventLoopFuture<Void> {
        closed.store(true, ordering: .releasing)
        let promise = eventLoop.makePromise(of: Void.self)
        onEventLoop { [self] in
            let previous = state.value.phase
            state.value.phase = .closed
            switch previous {
            case .waiting(let attempt):
                attempt.cancel()
                promise.succeed()
            case .connecting(let channel?), .loggedIn(let channel):
                if connected.exchange(false, ordering: .acquiringAndReleasing) {
                    logger.info("closing the connection to Redis")
                    onStateChange(false)
                }
                channel.close(promise: nil)
                channel.closeFuture.whenComplete { _ in promise.succeed() }
            case .connecting(nil), .idle, .closed:
                promise.succeed()
            }
        }
        return promise.futureResult
    }

    /// Starts one attempt: connect, then log in.
    private func connect() {
        state.value.phase = .connecting(nil)
        let loggedIn = eventLoop.makePromise(of: Void.self)
        let handshake = RedisHandshakeHandler.commands(for: endpoint)
        let connecting = ClientBootstrap(group: eventLoop)
            .connectTimeout(.seconds(10))
            .channelInitializer { [self] channel in
                if case .connecting = state.value.phase { state.value.phase = .connecting(channel) }
                return channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(ByteToMessageHandler(RESPDecoder()))
                    try pipeline.addHandler(MessageToByteHandler(RESPCommandEncoder()))
                    try pipeline.addHandler(RedisHandshakeHandler(commands: handshake, replyTimeout: replyTimeout, loggedIn: loggedIn))
                    try role.addHandler(channel)
                }
            }
            .connect(host: endpoint.host, port: endpoint.port)
        connecting.whenFailure { loggedIn.fail($0) }
        connecting.flatMap { channel in
            loggedIn.futureResult.map { channel }.flatMapErrorThrowing { error in
                channel.close(promise: nil)
                throw error
            }
        }.whenComplete { [self] result in attemptEnded(result) }
    }

    private func attemptEnded(_ result: Result<any Channel, any Error>) {
        guard case .connecting = state.value.phase else {  // closed meanwhile
            if case .success(let channel) = result { channel.close(promise: nil) }
            return
        }
        switch result {
        case .success(let channel):
            state.value.phase = .loggedIn(channel)
            channel.closeFuture.whenComplete { [self] _ in channelClosed(channel) }
            role.prepare(channel).whenComplete { [self] result in
                guard case .loggedIn(let current) = state.value.phase, current === channel, channel.isActive else { return }
                switch result {
                case .success:
                    state.value.backoff.reset()
                    connected.store(true, ordering: .releasing)
                    logger.info("connected to Redis")
                    onStateChange(true)
                case .failure(let error):
                    logger.warning("could not prepare the Redis connection; reconnecting", metadata: ["error": "\(error)"])
                    channel.close(promise: nil)
                }
            }
        case .failure(let error):
            // The first failure in a row is a warning; the retries that follow are not repeated at that level.
            let level: Logger.Level = state.value.backoff.failures == 0 ? .warning : .debug
            if case RedisError.server(let message) = error {
                logger.log(level: level, "Redis refused the login (AUTH/SELECT); retrying", metadata: ["error": "\(message)"])
            } else {
                logger.log(level: level, "could not connect to Redis; retrying", metadata: ["error": "\(error)"])
            }
            scheduleReconnect()
        }
    }

    private func channelClosed(_ channel: any Channel) {
        guard case .loggedIn(let current) = state.value.phase, current === channel else { return }
        if connected.exchange(false, ordering: .acquiringAndReleasing) {
            logger.warning("lost the connection to Redis; reconnecting")
            onStateChange(false)
        }
        scheduleReconnect()
    }

    private func scheduleReconnect() {
        let delay = state.value.backoff.nextDelay()
        state.value.phase = .waiting(eventLoop.scheduleTask(in: TimeAmount(delay)) { [self] in
            guard case .waiting = state.value.phase else { return }
            connect()
        })
    }
}
