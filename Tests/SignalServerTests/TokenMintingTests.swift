import Foundation
import SignalServer
import Signaling
import Testing

/// `POST /token` as the edge answers it (``TokenMintingHandler``) next to the router: keep-alive,
/// pipelining, `Connection: close`, a wrong secret mid-connection, browser requests.
@Suite struct TokenMintingTests {
    static func mintRequest(secret: String = TestServer.adminSecret, subject: String = "room", extraHeaders: String = "") -> String {
        let body = #"{"ttl":"1h","subject":"\#(subject)"}"#
        return "POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nx-admin-secret: \(secret)\r\nContent-Type: application/json\r\n"
            + "\(extraHeaders)Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    /// The subject of the verified token in a 201, or a failed expectation.
    static func mintedSubject(_ response: RawConnection.Response, server: TestServer) throws -> String {
        try #require(response.status == 201, "\(response.body)")
        #expect(response.headers["content-type"] == HTTPCheck.jsonContentType)
        #expect(response.headers["date"]?.hasSuffix(" GMT") == true)
        let json = try #require(HTTPCheck.object(Data(response.body.utf8)))
        let token = try #require(json["token"] as? String)
        let verifier = try #require(server.service.configuration.tokenVerifier)
        return try verifier.verify(token).subject
    }

    @Test func oneKeepAliveConnectionMintsRepeatedly() async throws {
        try await TestServer.with { server in
            let connection = try await RawConnection.open(port: server.port)
            for index in 0..<3 {
                try await connection.send(Self.mintRequest(subject: "room-\(index)"))
            }
            let responses = try await connection.readResponses(3)
            #expect(try responses.map { try Self.mintedSubject($0, server: server) } == ["room-0", "room-1", "room-2"])
            await connection.close()
        }
    }

    @Test func pipelinedBehindARouterRequestAnswersInOrder() async throws {
        try await TestServer.with { server in
            let connection = try await RawConnection.open(port: server.port)
            try await connection.send(
                "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" + Self.mintRequest(subject: "first") + Self.mintRequest(subject: "second")
                    + "GET /public-key HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let responses = try await connection.readResponses(4)
            #expect(responses[0].status == 200 && responses[0].body.contains(#""status":"ok""#))
            #expect(try Self.mintedSubject(responses[1], server: server) == "first")
            #expect(try Self.mintedSubject(responses[2], server: server) == "second")
            #expect(responses[3].status == 200 && responses[3].body.contains(#""kty":"OKP""#))
            await connection.close()
        }
    }

    @Test func aWrongSecretLeavesTheConnectionUsable() async throws {
        try await TestServer.with { server in
            let connection = try await RawConnection.open(port: server.port)
            try await connection.send(Self.mintRequest(secret: "wrong") + Self.mintRequest(subject: "after"))
            let responses = try await connection.readResponses(2)
            #expect(responses[0].status == 401)
            #expect(responses[0].body == TokenEndpointTests.unauthorizedBody)
            #expect(try Self.mintedSubject(responses[1], server: server) == "after")
            await connection.close()
        }
    }

    @Test func connectionCloseIsHonoured() async throws {
        try await TestServer.with { server in
            let connection = try await RawConnection.open(port: server.port)
            try await connection.send(Self.mintRequest(extraHeaders: "Connection: close\r\n"))
            let response = try await connection.readResponse()
            #expect(try Self.mintedSubject(response, server: server) == "room")
            #expect(response.headers["connection"] == "close")
            _ = try await connection.readUntilClosed()
        }
    }

    @Test func aBrowserRequestGetsTheSameAnswerFromTheRouter() async throws {
        try await TestServer.with { server in
            let connection = try await RawConnection.open(port: server.port)
            try await connection.send(
                Self.mintRequest(subject: "browser", extraHeaders: "Origin: https://app.example\r\n") + Self.mintRequest(secret: "wrong", extraHeaders: "Origin: https://app.example\r\n"))
            let responses = try await connection.readResponses(2)
            #expect(try Self.mintedSubject(responses[0], server: server) == "browser")
            #expect(responses[1].status == 401)
            #expect(responses[1].body == TokenEndpointTests.unauthorizedBody)
            await connection.close()
        }
    }

    @Test func anOversizedBodyIsRefusedAndTheConnectionClosed() async throws {
        try await TestServer.with { server in
            let connection = try await RawConnection.open(port: server.port)
            let body = String(repeating: "x", count: 64 * 1024 + 1)  // one byte over the cap
            try await connection.send(
                "POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nx-admin-secret: \(TestServer.adminSecret)\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
            let response = try await connection.readResponse()
            #expect(response.status == 413)
            #expect(response.headers["connection"] == "close")
            _ = try await connection.readUntilClosed()
        }
    }
}
