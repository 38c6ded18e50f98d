import Foundation
import SignalServer
import Signaling
import TestServices
import Testing

/// A WebSocket handshake request as a browser sends it, to `target`.
func webSocketRequest(
    _ target: String, method: String = "GET", key: String? = "dGhlIHNhbXBsZSBub25jZQ==", version: String = "13"
) -> String {
    var request = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    if let key { request += "Sec-WebSocket-Key: \(key)\r\n" }
    request += "Sec-WebSocket-Version: \(version)\r\n\r\n"
    return request
}

/// Checks that `response` is the JSON error of SPEC § HTTP with `status`.
func expectJSONError(
    _ response: RawConnection.Response, _ status: Int, message: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(response.status == status, "\(response)", sourceLocation: sourceLocation)
    #expect(response.headers["content-type"] == HTTPCheck.jsonContentType, sourceLocation: sourceLocation)
    let json = HTTPCheck.object(Data(response.body.utf8))
    #expect(HTTPCheck.integer(json?["statusCode"]) == status, "\(response.body)", sourceLocation: sourceLocation)
    #expect(json?["error"] is String, sourceLocation: sourceLocation)
    if let message {
        #expect(json?["message"] as? String == message, sourceLocation: sourceLocation)
    } else {
        #expect(json?["message"] is String, sourceLocation: sourceLocation)
    }
}

/// Connections that never finish a request: shutdown, deadlines.
@Suite struct EdgeDeadlineTests {
    @Test func gracefulShutdownEndsWithASilentAndAHalfSentConnectionOpen() async throws {
        let server = try await TestServer.start()
        let silent = try await RawConnection.open(port: server.port)
        let halfSent = try await RawConnection.open(port: server.port)
        try await halfSent.send("GET /hea")
        // Both are accepted before shutdown starts: /health answers after them.
        #expect(try await server.health().peers == 0)
        try await withDeadline(seconds: 10, "graceful shutdown with idle connections open") { try await server.stop() }
        _ = try await silent.readUntilClosed()
        _ = try await halfSent.readUntilClosed()
    }

    @Test func sigtermEndsCleanlyWithASilentAndAHalfSentConnectionOpen() async throws {
        let directory = try CommandLineTool.temporaryDirectory()
        let server = RunningProcess(
            ["serve", "--host", "127.0.0.1", "--port", "0"], in: directory,
            environment: CommandLineTool.environment(["AUTH_DISABLED": "true"]))
        try server.start()
        let port = try #require(Int(try await server.awaitOutput(matching: #"listening on http://127\.0\.0\.1:(\d+)"#)))
        let silent = try await RawConnection.open(port: port)
        let halfSent = try await RawConnection.open(port: port)
        try await halfSent.send("GET /hea")
        _ = try await HTTPClient.request(port: port, method: "GET", target: "/health", headers: [], body: nil)
        server.signal(SIGTERM)
        #expect(try await server.exitStatus(within: 10) == 0, "\(server.errors)")
        _ = try await silent.readUntilClosed(within: 5)
    }

    @Test func silentConnectionIsClosed() async throws {
        try await TestServer.with { server in
            let silent = try await RawConnection.open(port: server.port)
            #expect(try await silent.readUntilClosed(within: 15) == "")
        }
    }

    @Test func headersSentOneBytePerSecondAreCutOff() async throws {
        try await TestServer.with { server in
            let slow = try await RawConnection.open(port: server.port)
            try await slow.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            try await dribble(Array("X-Slow: abcdefghijklmnopqrstuvwxyz".utf8), into: slow)
            #expect(slow.isClosed, "a request head sent at one byte per second was still open after 20 s")
        }
    }

    @Test func bodySentOneBytePerSecondIsCutOff() async throws {
        try await TestServer.with { server in
            let slow = try await RawConnection.open(port: server.port)
            try await slow.send(
                "POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nx-admin-secret: \(TestServer.adminSecret)\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 40\r\n\r\n")
            try await dribble(Array(#"{"ttl":"1h","subject":"slow-loris-body"}"#.utf8), into: slow)
            #expect(slow.isClosed, "a body sent at one byte per second was still open after 20 s")
        }
    }

    @Test func idleKeepAliveConnectionIsClosed() async throws {
        try await TestServer.with { server in
            let connection = try await RawConnection.open(port: server.port)
            try await connection.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(try await connection.readResponse().status == 200)
            _ = try await connection.readUntilClosed(within: 15)
        }
    }

    /// Sends `bytes` one a second, as a slowloris client does, until the server closes the
    /// connection or 20 s have passed.
    private func dribble(_ bytes: [UInt8], into connection: RawConnection) async throws {
        for byte in bytes.prefix(20) where !connection.isClosed {
            try? await connection.send([byte])
            try await Task.sleep(for: .seconds(1))  // the attack's own pace, not a wait for a condition
        }
    }
}

/// Requests the HTTP parser rejects: a JSON 400 (431 for an oversized head), then the
/// connection is closed.
@Suite struct EdgeMalformedRequestTests {
    static let malformed: [(String, [UInt8])] = [
        ("TLS ClientHello", [0x16, 0x03, 0x01, 0x00, 0xA5, 0x01, 0x00, 0x00, 0xA1, 0x03, 0x03] + Array(repeating: 0x42, count: 40)),
        ("HTTP/2 preface", Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)),
        ("NUL in a header", Array("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a\u{0}b\r\n\r\n".utf8)),
        ("obs-fold", Array("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a\r\n  folded\r\n\r\n".utf8)),
        ("bare LF", Array("GET /health HTTP/1.1\nHost: 127.0.0.1\n\n".utf8)),
        (
            "Content-Length and Transfer-Encoding",
            Array("POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".utf8)
        ),
        ("duplicate Content-Length", Array("POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}".utf8)),
    ]

    @Test(arguments: malformed.map(\.0))
    func rejectedRequestGetsAJSON400AndTheConnectionCloses(name: String) async throws {
        let bytes = try #require(Self.malformed.first { $0.0 == name }?.1)
        try await TestServer.with { server in
            let connection = try await RawConnection.open(port: server.port)
            try await connection.send(bytes)
            expectJSONError(try await connection.readResponse(), 400)
            _ = try await connection.readUntilClosed()
        }
    }

    @Test(arguments: ["header", "target"])
    func oversizedHeadGetsAJSON431AndTheConnectionCloses(part: String) async throws {
        try await TestServer.with { server in
            let connection = try await RawConnection.open(port: server.port)
            let filler = String(repeating: "a", count: 40_000)
            try await connection.send(
                part == "header"
                    ? "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: \(filler)\r\n\r\n"
                    : "GET /health?\(filler) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            expectJSONError(try await connection.readResponse(), 431)
            _ = try await connection.readUntilClosed()
        }
    }
}

/// Upgrade requests: only a sound `GET /signal` handshake upgrades; everything else gets an
/// HTTP answer.
@Suite struct EdgeUpgradeTests {
    @Test func handshakeWithoutAKeyGetsAJSON400() async throws {
        try await TestServer.with(authDisabled: true) { server in
            let connection = try await RawConnection.open(port: server.port)
            try await connection.send(webSocketRequest("/signal?room=r", key: nil))
            expectJSONError(try await connection.readResponse(), 400)
            _ = try await connection.readUntilClosed()
        }
    }

    @Test func handshakeWithVersion12GetsAJSON426NamingVersion13() async throws {
        try await TestServer.with(authDisabled: true) { server in
            let connection = try await RawConnection.open(port: server.port)
            try await connection.send(webSocketRequest("/signal?room=r", version: "12"))
            let response = try await connection.readResponse()
            expectJSONError(response, 426)
            #expect(response.headers["sec-websocket-version"] == "13")
        }
    }

    @Test func postWithUpgradeHeadersIsNotUpgraded() async throws {
        try await TestServer.with(authDisabled: true) { server in
            let connection = try await RawConnection.open(port: server.port)
            try await connection.send(webSocketRequest("/signal?room=r", method: "POST"))
            expectJSONError(try await connection.readResponse(), 404, message: "Route POST:/signal not found")
        }
    }

    @Test func webSocketHandshakeToAnotherPathGetsTheJSON404() async throws {
        try await TestServer.with { server in
            let connection = try await RawConnection.open(port: server.port)
            try await connection.send(webSocketRequest("/socket.io/?EIO=4&transport=websocket"))
            expectJSONError(try await connection.readResponse(), 404, message: "Route GET:/socket.io/ not found")
        }
    }

    @Test func healthWithAnH2cUpgradeAnswersAsWithout() async throws {
        try await TestServer.with { server in
            let connection = try await RawConnection.open(port: server.port)
            try await connection.send(
                "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n")
            let response = try await connection.readResponse()
            #expect(response.status == 200)
            #expect(HTTPCheck.object(Data(response.body.utf8))?["status"] as? String == "ok")
        }
    }
}

/// `HEAD` answers as `GET` does, without a body.
@Suite struct EdgeHeadTests {
    @Test(arguments: [("/health", 200), ("/public-key", 200), ("/demo", 200), ("/nope", 404), ("/signal", 426), ("/openapi.yaml", 200)])
    func headAnswersAsGetWithoutABody(path: String, status: Int) async throws {
        try await TestServer.with { server in
            let get = try await server.http("GET", path)
            let connection = try await RawConnection.open(port: server.port)
            try await connection.send("HEAD \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            let head = try await connection.readResponse(head: true)
            #expect(head.status == status)
            #expect(get.status == status)
            #expect(head.headers["content-type"] == get.headers["content-type"])
            // /health carries a timestamp, the 404 names the method: only their lengths may differ.
            #expect(head.headers["content-length"] == get.headers["content-length"] || ["/health", "/nope"].contains(path))
            let everything = try await connection.readUntilClosed()
            #expect(everything.hasSuffix("\r\n\r\n"), "a HEAD response carried a body: \(everything.debugDescription)")
        }
    }
}

/// The edge's settings, set in code.
@Suite struct EdgeConfigurationTests {
    @Test func shutdownClosesAnIdleConnectionWithoutWaitingForItsDeadline() async throws {
        let server = try await TestServer.start { $0.requestTimeout = TimeToLive(seconds: 300) }
        let silent = try await RawConnection.open(port: server.port)
        let halfSent = try await RawConnection.open(port: server.port)
        try await halfSent.send("GET /hea")
        _ = try await server.health()
        try await withDeadline(seconds: 10, "graceful shutdown with idle connections open") { try await server.stop() }
        _ = try await silent.readUntilClosed(within: 1)
        _ = try await halfSent.readUntilClosed(within: 1)
    }

    @Test func connectionAnsweredBeforeItsBodyArrivedStillGetsADeadline() async throws {
        // Long enough for the request and its answer on a loaded machine, short enough to await.
        try await TestServer.with({ $0.requestTimeout = TimeToLive(seconds: Int(2 * testSlowdown)) }) { server in
            let connection = try await RawConnection.open(port: server.port)
            // No admin secret: the 401 goes out before the body is read.
            try await connection.send("POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n")
            #expect(try await connection.readResponse().status == 401)
            try await connection.send("{}")
            _ = try await connection.readUntilClosed(within: 10)
        }
    }

    @Test func requestTimeoutAndHeadLimitAreConfigurable() async throws {
        try await TestServer.with({
            $0.requestTimeout = TimeToLive(seconds: Int(2 * testSlowdown))
            $0.requestHeadMaxBytes = 1024
        }) { server in
            let silent = try await RawConnection.open(port: server.port)
            let large = try await RawConnection.open(port: server.port)
            try await large.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: \(String(repeating: "b", count: 2000))\r\n\r\n")
            expectJSONError(try await large.readResponse(), 431)
            #expect(try await silent.readUntilClosed(within: 10) == "")
            // A head under the limit is answered as usual.
            #expect(try await server.http("GET", "/health").status == 200)
        }
    }
}
