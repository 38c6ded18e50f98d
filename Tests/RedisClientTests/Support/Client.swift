import Logging
import NIOCore
import NIOPosix
import RedisClient
import TestServices
import Testing

/// Short reconnect pauses, so reconnect tests take milliseconds; the default range is tested
/// in ``ReconnectBackoffTests``.
let quickBackoff: ClosedRange<Duration> = .milliseconds(10) ... .milliseconds(200)

/// The reply deadline of a test's connections unless the test is about it: long enough that
/// neither a command blocked on purpose (`BLPOP`) nor a loaded sanitized run reaches it.
let testReplyTimeout: Duration = .seconds(30 * testSlowdown)

/// A logger that drops everything.
let silentLogger = Logger(label: "redis-client-tests") { _ in SwiftLogNoOpLogHandler() }

extension RedisServer {
    /// Where a client finds this server, with its password if it has one.
    var endpoint: RedisEndpoint { RedisEndpoint(host: "127.0.0.1", port: port, password: password) }
}

/// A started ``RedisConnection`` and the states it reported.
struct Client: StoppableService {
    let connection: RedisConnection
    /// Every `onStateChange` value, in order.
    let states: Recorder<Bool>

    /// Starts a connection to `endpoint` (with ``testReplyTimeout`` unless given, loading
    /// `scripts` on connect) and returns once it is connected (its first state is `true`), or right away with
    /// `awaitConnected: false`.
    static func start(
        _ endpoint: RedisEndpoint, backoff: ClosedRange<Duration> = quickBackoff, replyTimeout: Duration = testReplyTimeout,
        scripts: [RedisScript] = [], logger: Logger = silentLogger, awaitConnected: Bool = true
    ) async throws -> Client {
        let states = Recorder<Bool>()
        let connection = RedisConnection(
            endpoint: endpoint, eventLoop: MultiThreadedEventLoopGroup.singleton.next(), logger: logger,
            reconnectBackoff: backoff, replyTimeout: replyTimeout, scripts: scripts, onStateChange: states.record)
        connection.start()
        let client = Client(connection: connection, states: states)
        if awaitConnected {
            do {
                #expect(try await states.first(1, "the connection") == [true])
            } catch {
                try? await connection.close().get()
                throw error
            }
        }
        return client
    }

    /// Closes the connection; a close that fails is recorded as an issue of the test.
    func stop() async {
        await #expect(throws: Never.self) { try await connection.close().get() }
    }

    /// Sends a command given as strings and waits for its reply.
    func send(_ arguments: String...) async throws -> RESPValue {
        try await connection.send(arguments.map { ByteBuffer(string: $0) }).get()
    }
}

/// Runs `body` with a connected client to `endpoint`, closed after it whatever happens.
@discardableResult
func withClient<T: Sendable>(
    _ endpoint: RedisEndpoint, backoff: ClosedRange<Duration> = quickBackoff, replyTimeout: Duration = testReplyTimeout,
    scripts: [RedisScript] = [], logger: Logger = silentLogger, _ body: (Client) async throws -> T
) async throws -> T {
    try await Client.start(endpoint, backoff: backoff, replyTimeout: replyTimeout, scripts: scripts, logger: logger).stopping(after: body)
}

/// Runs `body` with a fresh server and a connected client to it, both stopped after it.
@discardableResult
func withServerAndClient<T: Sendable>(
    password: String? = nil, _ body: (RedisServer, Client) async throws -> T
) async throws -> T {
    try await RedisServer.with(password: password) { server in
        try await withClient(server.endpoint) { client in try await body(server, client) }
    }
}
