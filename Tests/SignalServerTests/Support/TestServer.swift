import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import ServiceLifecycle
import SignalServer
import Signaling
import TestServices

/// The real server on an ephemeral loopback port, started in-process for one test.
struct TestServer: Sendable {
    static let adminSecret = "test-admin-secret-0123456789"

    let port: Int
    let service: SignalService
    let keys: SigningKeyPair?
    /// Every line the server logged (at the level `start` was given).
    let logs: LogCapture
    /// Set for a server with TLS: the client side of every connection this helper opens
    /// (`wss://`, `https://`).
    var clientTLS: NIOSSLContext?
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    /// Starts a server with auth on (fresh keys) unless `authDisabled`, after `configure`.
    static func start(
        authDisabled: Bool = false, logLevel: Logger.Level = .warning,
        _ configure: (inout SignalConfiguration) -> Void = { _ in }
    ) async throws -> TestServer {
        let keys = authDisabled ? nil : SigningKeyPair.generate()
        var configuration = SignalConfiguration(
            authentication: keys.map { .enabled(keys: $0, adminSecret: AdminSecret(adminSecret)) } ?? .disabled)
        configuration.host = "127.0.0.1"
        configuration.port = 0
        // No drain unless a test asks for one: stopping a test server should not wait.
        configuration.drainTimeout = .zero
        // A socket without a token gets 3 s to register by default; tests that are not about that
        // deadline must not race it on a loaded machine (those that are set it themselves).
        configuration.tokenlessRegisterTimeout = TimeToLive(seconds: 60)
        // The request deadline (which covers a TLS handshake too) and the register deadline are
        // scaled like the tests' deadlines, so a loaded sanitized run does not cut off a client
        // under a test that is not about them (those that are set them themselves).
        configuration.requestTimeout = TimeToLive(seconds: Int(Double(configuration.requestTimeout.seconds) * testSlowdown))
        configuration.registerTimeout = TimeToLive(seconds: Int(Double(configuration.registerTimeout.seconds) * testSlowdown))
        configure(&configuration)
        let logs = LogCapture()
        let logger = logs.logger(level: logLevel)
        let service = SignalService(configuration: configuration, logger: logger)
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let application = SignalApplication.make(service: service, eventLoopGroup: MultiThreadedEventLoopGroup.singleton) {
            channel in
            portContinuation.yield(channel.localAddress?.port ?? 0)
            portContinuation.finish()
        }
        // As SignalApplication.run: the drain is shut down (so runs) first.
        var groupConfiguration = ServiceGroupConfiguration(services: [application, ShutdownDrain(service: service)], logger: logger)
        // Scaled like the tests' deadlines: a slowed drain must end by itself, as it does at full
        // speed, not by the group cancelling the server.
        groupConfiguration.maximumGracefulShutdownDuration = SignalApplication.gracefulShutdownLimit * testSlowdown
        let group = ServiceGroup(configuration: groupConfiguration)
        let running = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            running.cancel()
            throw TestSocket.Failure.timedOut("the server to listen")
        }
        return TestServer(port: port, service: service, keys: keys, logs: logs, clientTLS: nil, group: group, running: running)
    }

    /// Runs `body` against a fresh server and always stops it.
    static func with<T>(
        authDisabled: Bool = false, logLevel: Logger.Level = .warning,
        _ configure: (inout SignalConfiguration) -> Void = { _ in },
        _ body: (TestServer) async throws -> T
    ) async throws -> T {
        let server = try await start(authDisabled: authDisabled, logLevel: logLevel, configure)
        do {
            let result = try await body(server)
            try await server.stop()
            return result
        } catch {
            try? await server.stop()
            throw error
        }
    }

    /// Graceful shutdown, as on SIGTERM; returns when the server has stopped.
    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await waitUntilStopped()
    }

    /// Starts graceful shutdown without waiting for it.
    func beginShutdown() async {
        await group.triggerGracefulShutdown()
    }

    /// Waits until the server has fully stopped; fails (and cancels the server) if it has not
    /// within the longest graceful shutdown plus its cancellation allowance.
    func waitUntilStopped() async throws {
        let running = self.running
        let limit = SignalApplication.gracefulShutdownLimit + SignalApplication.cancellationAllowance
        do {
            try await withDeadline(seconds: Double(limit.components.seconds) + 5, "the server to stop") { try await running.value }
        } catch let error as TestSocket.Failure {
            running.cancel()
            throw error
        }
    }

    // MARK: - Tokens and sockets

    /// A room token minted with the server's own key (`ttl` seconds from `now`).
    func token(subject: String, ttl: Int = 3600, now: Date = Date()) -> String {
        let issuer = service.configuration.tokenIssuerService!
        return issuer.issue(subject: subject, timeToLive: TimeToLive(seconds: ttl), now: now).token
    }

    /// Opens `/signal` with the given query (values are percent-encoded here).
    func connect(_ query: [String: String] = [:], pipelined: [String] = []) async throws -> TestSocket {
        try await TestSocket.connect(port: port, target: Self.target(query), pipelined: pipelined, tls: clientTLS)
    }

    /// Opens `/signal?<rawQuery>` exactly as written (for testing the server's form decoding).
    func connect(rawQuery: String, pipelined: [String] = []) async throws -> TestSocket {
        try await TestSocket.connect(port: port, target: "/signal?" + rawQuery, pipelined: pipelined, tls: clientTLS)
    }

    /// With auth off: opens a socket for `room` as `nodeId` and registers it as a consumer;
    /// returns the socket and its `server-list`.
    func joinConsumer(room: String, nodeId: String) async throws -> (TestSocket, [String]) {
        let socket = try await connect(["room": room, "nodeId": nodeId])
        try await socket.register(["role": "consumer"])
        let reply = try await socket.nextJSON()
        guard reply["type"] as? String == "server-list", let servers = reply["servers"] as? [String] else {
            throw TestSocket.Failure.unexpected(.text("\(reply)"), expected: "server-list")
        }
        return (socket, servers)
    }

    /// Opens a socket with a token for `room` as `nodeId` and registers it as a normal peer;
    /// returns the socket and its `peer-list`.
    func joinNormal(room: String, nodeId: String, register extra: [String: Any] = [:]) async throws -> (TestSocket, [String]) {
        var query = ["nodeId": nodeId]
        if service.configuration.tokenVerifier != nil { query["token"] = token(subject: room) } else { query["room"] = room }
        let socket = try await connect(query)
        var frame: [String: Any] = ["type": "register", "role": "normal"]
        frame.merge(extra) { $1 }
        try await socket.send(json: frame)
        let reply = try await socket.nextJSON()
        guard reply["type"] as? String == "peer-list", let peers = reply["peers"] as? [String] else {
            throw TestSocket.Failure.unexpected(.text("\(reply)"), expected: "peer-list")
        }
        return (socket, peers)
    }

    static func target(_ query: [String: String]) -> String {
        var components = URLComponents()
        components.path = "/signal"
        if !query.isEmpty {
            components.queryItems = query.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
        }
        return components.string!
    }

    // MARK: - HTTP

    /// A plain HTTP/1.1 request on a fresh connection; returns the status, headers (names
    /// lowercased, repeated fields joined with ", ") and body.
    ///
    /// Made with NIO rather than URLSession so the request is exactly what the test says
    /// (header names and values as given, no added credentials or retries).
    func http(
        _ method: String, _ path: String, headers: [String: String] = [:], body: String? = nil
    ) async throws -> (status: Int, headers: [String: String], body: Data) {
        try await HTTPClient.request(
            port: port, method: method, target: path,
            headers: headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, body: body, tls: clientTLS)
    }

    /// A request whose JSON object body is returned parsed.
    func httpJSON(
        _ method: String, _ path: String, headers: [String: String] = [:], body: String? = nil
    ) async throws -> (status: Int, json: [String: Any]) {
        let response = try await http(method, path, headers: headers, body: body)
        let json = try JSONSerialization.jsonObject(with: response.body) as? [String: Any] ?? [:]
        return (response.status, json)
    }

    /// `/health`'s `peers` and `rooms`.
    func health() async throws -> (peers: Int, rooms: Int) {
        let json = try await httpJSON("GET", "/health").json
        return (json["peers"] as? Int ?? -1, json["rooms"] as? Int ?? -1)
    }

    /// Polls `/health` until `condition` holds; fails after `seconds`. The counts change on the
    /// server's event loops when sockets close, with nothing on the wire to await.
    func awaitHealth(within seconds: Double = 10, _ condition: (Int, Int) -> Bool) async throws {
        var last = (peers: -1, rooms: -1)
        try await poll(within: seconds, { "/health to show peers \(last.peers), rooms \(last.rooms) changing" }) {
            last = try await health()
            return condition(last.peers, last.rooms)
        }
    }

    /// Polls `GET path` until it answers `status`; fails after `seconds`.
    func awaitStatus(_ status: Int, of path: String, within seconds: Double = 10) async throws {
        try await poll(within: seconds, { "GET \(path) to answer \(status)" }) {
            try await http("GET", path).status == status
        }
    }
}

/// A minimal HTTP/1.1 client over NIO: one request per connection, `connection: close`.
enum HTTPClient {
    enum Failure: Error, CustomStringConvertible {
        case noResponse(String)

        var description: String {
            switch self {
            case .noResponse(let request): return "no complete response to \(request)"
            }
        }
    }

    /// Sends one request to `127.0.0.1:port` (over `tls` when given) and reads the whole
    /// response. The connection is closed after `seconds` if the response has not completed by
    /// then, so a stuck server fails the test instead of hanging it.
    static func request(
        port: Int, method: String, target: String, headers: [(String, String)], body: String?,
        tls: NIOSSLContext? = nil, within seconds: Int64 = 10
    ) async throws -> (status: Int, headers: [String: String], body: Data) {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: nil))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
                        wrappingChannelSynchronously: channel)
                }
            }
        let deadline = channel.channel.eventLoop.scheduleTask(in: .seconds(seconds)) {
            channel.channel.close(promise: nil)
        }
        defer { deadline.cancel() }
        return try await channel.executeThenClose { inbound, outbound in
            var head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: target)
            head.headers.add(name: "Host", value: "127.0.0.1:\(port)")
            for (name, value) in headers { head.headers.add(name: name, value: value) }
            let payload = body.map { ByteBuffer(string: $0) }
            head.headers.add(name: "Content-Length", value: "\(payload?.readableBytes ?? 0)")
            head.headers.add(name: "Connection", value: "close")
            var parts: [HTTPClientRequestPart] = [.head(head)]
            if let payload { parts.append(.body(.byteBuffer(payload))) }
            parts.append(.end(nil))
            // In one write: the server may answer and close as soon as it has the head, and a
            // later write of the end would then fail on the closed channel (seen under load).
            try await outbound.write(contentsOf: parts)

            var status: Int?
            var fields: [String: String] = [:]
            var data = Data()
            for try await part in inbound {
                switch part {
                case .head(let responseHead):
                    status = Int(responseHead.status.code)
                    for (name, value) in responseHead.headers {
                        let key = name.lowercased()
                        fields[key] = fields[key].map { $0 + ", " + value } ?? value
                    }
                case .body(let chunk):
                    data.append(contentsOf: chunk.readableBytesView)
                case .end:
                    guard let status else { throw Failure.noResponse("\(method) \(target)") }
                    return (status, fields, data)
                }
            }
            throw Failure.noResponse("\(method) \(target)")
        }
    }
}
