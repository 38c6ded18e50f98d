import Foundation
import SignalServer
import Signaling
import TestServices
import Testing

/// `/ready` and the drain on graceful shutdown: readiness flips at once, new sockets are
/// refused, live ones keep relaying for `DRAIN_TIMEOUT`, then close 1001 and the server stops.
@Suite struct DrainTests {
    /// A WebSocket handshake for `/signal` as a plain request, to read a refusal's HTTP answer.
    static let upgradeHeaders = [
        "Upgrade": "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    ]

    /// Checks a 503 in the JSON error shape.
    static func expectShuttingDown(_ response: (status: Int, headers: [String: String], body: Data)) throws {
        #expect(response.status == 503)
        #expect(response.headers["content-type"] == "application/json; charset=utf-8")
        let json = try #require(try JSONSerialization.jsonObject(with: response.body) as? [String: Any])
        #expect(json["statusCode"] as? Int == 503)
        #expect(json["error"] as? String == "Service Unavailable")
        #expect(json["message"] as? String == "the server is shutting down")
    }

    @Test func readyAnswers200WhileAccepting() async throws {
        try await TestServer.with { server in
            let ready = try await server.http("GET", "/ready")
            #expect(ready.status == 200)
            #expect(ready.headers["content-type"] == "application/json; charset=utf-8")
            #expect(String(decoding: ready.body, as: UTF8.self) == #"{"status":"ready"}"#)
            let head = try await server.http("HEAD", "/ready")
            #expect(head.status == 200 && head.body.isEmpty)
        }
    }

    @Test func shutdownDrainsThenClosesEverySocketWith1001() async throws {
        // Long enough that the steps below all happen inside the drain on a loaded machine.
        try await TestServer.with({ $0.drainTimeout = .seconds(5 * testSlowdown) }) { server in
            let (alice, _) = try await server.joinNormal(room: "r", nodeId: "alice")
            let (bob, _) = try await server.joinNormal(room: "r", nodeId: "bob")
            #expect(try await server.http("GET", "/ready").status == 200)

            await server.beginShutdown()
            try await server.awaitStatus(503, of: "/ready")
            try Self.expectShuttingDown(try await server.http("GET", "/ready"))
            #expect(try await server.http("HEAD", "/ready").status == 503)
            #expect(server.service.isDraining)

            // A new socket is refused with the JSON 503, on the upgrade and on a plain GET.
            let token = server.token(subject: "r")
            try Self.expectShuttingDown(
                try await server.http("GET", TestServer.target(["token": token, "nodeId": "carol"]), headers: Self.upgradeHeaders))
            try Self.expectShuttingDown(try await server.http("GET", "/signal"))
            await #expect(throws: (any Error).self) {
                _ = try await server.connect(["token": token, "nodeId": "carol"])
            }
            // Plain HTTP still answers, and the live sockets still relay.
            #expect(try await server.health().peers == 2)
            try await alice.relay(to: "bob", via: bob)
            try await bob.relay(to: "alice", via: alice)

            // Then the drain ends: every socket is closed 1001 and the server stops.
            for socket in [alice, bob] {
                try await socket.expectClose(1001, "server shutting down")
                try await socket.waitForDisconnect()
            }
            try await server.waitUntilStopped()
        }
    }

    @Test func sigtermDrainsAndExitsCleanlyWithinTenSeconds() async throws {
        let directory = try CommandLineTool.temporaryDirectory()
        // Long enough for the test to see /ready answer 503 on a loaded machine, short enough to
        // leave the server time to close its sockets inside its ten seconds.
        let drain = Int(min(2 * testSlowdown, 6))
        let server = RunningProcess(
            ["serve", "--host", "127.0.0.1", "--port", "0"], in: directory,
            environment: CommandLineTool.environment(["AUTH_DISABLED": "true", "DRAIN_TIMEOUT": "\(drain)s"]))
        try server.start()
        defer { server.signal(SIGKILL) }
        let port = try #require(Int(try await server.awaitOutput(matching: #"listening on http://127\.0\.0\.1:(\d+)"#)))
        let socket = try await TestSocket.connect(port: port, target: TestServer.target(["room": "r", "nodeId": "n"]))
        try await socket.register()
        #expect(try await socket.nextJSON()["type"] as? String == "peer-list")

        server.signal(SIGTERM)
        let started = ContinuousClock.now
        try await poll(within: 10, { "/ready to answer 503" }) {
            try await HTTPClient.request(port: port, method: "GET", target: "/ready", headers: [], body: nil).status == 503
        }
        try await socket.expectClose(1001, "server shutting down")
        let remaining = 10 - (ContinuousClock.now - started).components.seconds
        #expect(try await server.exitStatus(within: Double(remaining)) == 0, "\(server.errors)")
    }

    @Test func aDrainTimeoutOverEightSecondsStopsTheServerAtStart() async throws {
        let directory = try CommandLineTool.temporaryDirectory()
        let run = try await CommandLineTool.run(
            ["serve", "--drain-timeout", "9s"], in: directory, environment: ["AUTH_DISABLED": "true"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("DRAIN_TIMEOUT"), "\(run.stderr)")
    }
}
