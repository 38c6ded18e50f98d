import Foundation
import SignalServer
import TestServices
import Testing

/// `CLOSE_ON_TOKEN_EXPIRY`: on, a socket is closed 4003 `Token expired` when its room token's
/// `exp` passes; off (the default, as the JS server), it stays open.
@Suite struct TokenExpiryTests {
    /// A token of `server` for room `r` whose `exp` is 4 to 5 seconds away (`exp` is whole
    /// seconds; times ``testSlowdown``): time enough to open and register a socket on a loaded machine.
    static func shortLivedToken(_ server: TestServer) throws -> (token: String, expiresAt: Date) {
        let token = server.token(subject: "r", ttl: 3600, now: Date().addingTimeInterval(5 * testSlowdown - 3600))
        let exp = try #require(try RevocationTests.claim("exp", of: token) as? Int)
        return (token, Date(timeIntervalSince1970: TimeInterval(exp)))
    }

    @Test func whenOnASocketIsClosedAsItsTokenExpires() async throws {
        try await TestServer.with({ $0.closeOnTokenExpiry = true }) { server in
            let (token, _) = try Self.shortLivedToken(server)
            let socket = try await RevocationTests.join(server, token: token, nodeId: "brief")
            let (bob, _) = try await server.joinNormal(room: "r", nodeId: "bob")
            try await socket.expectClose(4003, "Token expired")
            // It left the room; bob, whose token lives on, did not.
            try await bob.send(json: ["type": "offer", "to": "brief"])
            try await bob.expectError("PEER_NOT_FOUND")
            let (carol, _) = try await server.joinNormal(room: "r", nodeId: "carol")
            try await bob.relay(to: "carol", via: carol)
        }
    }

    @Test func byDefaultASocketOutlivesItsToken() async throws {
        try await TestServer.with { server in
            let (token, expiresAt) = try Self.shortLivedToken(server)
            let socket = try await RevocationTests.join(server, token: token, nodeId: "brief")
            let (bob, _) = try await server.joinNormal(room: "r", nodeId: "bob")
            try await poll(within: 10, { "the token to expire" }) { Date() > expiresAt.addingTimeInterval(0.5) }
            try await bob.relay(to: "brief", via: socket)
            try await socket.relay(to: "bob", via: bob)
        }
    }
}
