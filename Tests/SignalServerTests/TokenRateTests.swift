import Foundation
import SignalServer
import Signaling
import Testing

/// `POST /token` per client address (`TOKEN_RATE`), and wrong admin secrets, limited harder
/// (`ADMIN_FAILURE_RATE`): 429 with `Retry-After` and the JSON error body.
@Suite struct TokenRateTests {
    static let body = #"{"ttl":"1h","subject":"s"}"#

    /// `POST /token` over raw TCP from the test's address, with `headers` added.
    static func mint(_ server: TestServer, secret: String = TestServer.adminSecret, adding headers: [String] = []) async throws
        -> RawConnection.Response
    {
        let connection = try await RawConnection.open(port: server.port)
        defer { Task { await connection.close() } }
        let head = ["POST /token HTTP/1.1", "Host: 127.0.0.1", "x-admin-secret: \(secret)", "content-type: application/json",
                    "content-length: \(body.utf8.count)", "connection: close"] + headers
        try await connection.send(head.joined(separator: "\r\n") + "\r\n\r\n" + body)
        return try await connection.readResponse()
    }

    static func expectTooManyRequests(_ response: RawConnection.Response, sourceLocation: SourceLocation = #_sourceLocation) {
        expectJSONError(response, 429, sourceLocation: sourceLocation)
        let retryAfter = Int(response.headers["retry-after"] ?? "")
        #expect(retryAfter != nil && retryAfter! >= 1, "\(response.headers)", sourceLocation: sourceLocation)
    }

    @Test func overTheRateAnAddressGets429WithRetryAfter() async throws {
        try await TestServer.with({ $0.tokenRate = Rate(3, per: TimeToLive(seconds: 3600)) }) { server in
            for _ in 0..<3 { #expect(try await Self.mint(server).status == 201) }
            let refused = try await Self.mint(server)
            Self.expectTooManyRequests(refused)
            #expect(Int(refused.headers["retry-after"] ?? "") ?? 0 <= 1200, "one token comes back every 20 minutes")
        }
    }

    @Test func wrongSecretsAreLimitedHarderWhileABackendElsewhereIsUnaffected() async throws {
        try await TestServer.with({
            $0.adminFailureRate = Rate(2, per: TimeToLive(seconds: 3600))
            $0.trustProxy = [AddressRange("127.0.0.1")!]
        }) { server in
            let attacker = ["X-Forwarded-For: 198.51.100.7"], backend = ["X-Forwarded-For: 198.51.100.8"]
            for _ in 0..<2 { #expect(try await Self.mint(server, secret: "wrong-secret-guess-000", adding: attacker).status == 401) }
            // The guesses are used up: the next one is refused without being checked...
            Self.expectTooManyRequests(try await Self.mint(server, secret: "wrong-secret-guess-001", adding: attacker))
            // ...even when it would be right, so guessing is as slow as the rate...
            Self.expectTooManyRequests(try await Self.mint(server, adding: attacker))
            // ...while a backend at another address mints as before.
            for _ in 0..<5 { #expect(try await Self.mint(server, adding: backend).status == 201) }
        }
    }
}
