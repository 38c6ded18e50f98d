import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import NIOWebSocket
import ServiceLifecycle
import SignalServer
import Signaling
import TestServices
import Testing

/// A host app that embeds signaling with `.signal(service:shouldUpgrade:)` keeps its own routes
/// and its own WebSocket path next to `/signal`.
@Suite struct EmbeddingTests {
    @Test func hostAppServesItsRouteItsWebSocketAndSignalOnOneServer() async throws {
        var configuration = SignalConfiguration(authentication: .disabled)
        configuration.host = "127.0.0.1"
        configuration.port = 0
        var logger = Logger(label: "host-app-test")
        logger.logLevel = .warning
        let service = SignalService(configuration: configuration, logger: logger)

        let router = Router()
        service.addRoutes(to: router)
        router.get("/hello") { _, _ in "hello from the host" }
        router.get("/refuse") { _, _ -> String in throw HTTPError(.badRequest, message: "the host refuses") }
        router.get("/fail") { _, _ -> String in throw CancellationError() }
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router,
            server: .signal(service: service) { request, _, _ in
                request.path?.hasPrefix("/echo") == true ? .upgrade([HTTPField.Name("x-host")!: "echo"], Self.echo) : .dontUpgrade
            },
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton),
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let running = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())

        // The host's own route and the signaling routes share the router.
        let hello = try await HTTPClient.request(port: port, method: "GET", target: "/hello", headers: [], body: nil)
        #expect(hello.status == 200)
        #expect(String(decoding: hello.body, as: UTF8.self) == "hello from the host")
        #expect(try await HTTPClient.request(port: port, method: "GET", target: "/health", headers: [], body: nil).status == 200)

        // Errors the host's routes throw come out in the JSON error shape too.
        let refusal = try await RawConnection.open(port: port)
        try await refusal.send("GET /refuse HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        expectJSONError(try await refusal.readResponse(), 400, message: "the host refuses")
        let failure = try await RawConnection.open(port: port)
        try await failure.send("GET /fail HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        expectJSONError(try await failure.readResponse(), 500, message: "internal server error")

        // The host's own WebSocket path.
        let echo = try await TestSocket.connect(port: port, target: "/echo?x=1")
        try await echo.send("ping over the host's socket")
        #expect(try await echo.nextText() == "ping over the host's socket")

        // /signal next to it.
        let alice = try await TestSocket.connect(port: port, target: TestServer.target(["room": "r", "nodeId": "alice"]))
        try await alice.register()
        #expect(try await alice.nextJSON()["type"] as? String == "peer-list")
        let bob = try await TestSocket.connect(port: port, target: TestServer.target(["room": "r", "nodeId": "bob"]))
        try await bob.register()
        _ = try await bob.nextJSON()
        try await bob.relay(to: "alice", via: alice)

        // A WebSocket path the host does not take gets the router's answer.
        let other = try await RawConnection.open(port: port)
        try await other.send(webSocketRequest("/elsewhere"))
        expectJSONError(try await other.readResponse(), 404, message: "Route GET:/elsewhere not found")

        await group.triggerGracefulShutdown()
        try await withDeadline(seconds: 10, "the host app to stop") { try await running.value }
        try await echo.waitForDisconnect()
    }

    /// Echoes text frames until the client closes.
    @Sendable static func echo(_ socket: NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, _ logger: Logger) async throws {
        try await socket.executeThenClose { inbound, outbound in
            for try await frame in inbound {
                switch frame.opcode {
                case .text:
                    try await outbound.write(WebSocketFrame(fin: true, opcode: .text, data: frame.unmaskedData))
                case .connectionClose:
                    return
                default:
                    continue
                }
            }
        }
    }
}
