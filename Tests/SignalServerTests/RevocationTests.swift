import Foundation
import SignalServer
import Signaling
import Testing

/// `POST /revoke` (beyond the JS server): a revoked room token's live sockets are closed 4003
/// `Token revoked` at once, the token is refused from then on, and everyone else is untouched.
@Suite struct RevocationTests {
    static let admin = ["Authorization": "Bearer \(TestServer.adminSecret)"]

    /// A claim of `token`, read from its payload.
    static func claim(_ name: String, of token: String) throws -> Any? {
        var base64 = String(token.split(separator: ".")[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        let payload = try #require(Data(base64Encoded: base64))
        return try Wire.object(String(decoding: payload, as: UTF8.self))[name]
    }

    /// Opens a socket with `token` as `nodeId` and registers it as a normal peer.
    static func join(_ server: TestServer, token: String, nodeId: String) async throws -> TestSocket {
        let socket = try await server.connect(["token": token, "nodeId": nodeId])
        try await socket.register()
        #expect(try await socket.nextJSON()["type"] as? String == "peer-list")
        return socket
    }

    @Test func revokingAJTIClosesItsSocketAndRefusesTheTokenFromThenOn() async throws {
        try await TestServer.with({
            $0.turnSecret = "coturn-secret"
            $0.turnURLs = [try! TurnServerURL("turn:127.0.0.1:3478")]
        }) { server in
            let revokedToken = server.token(subject: "r")
            let jti = try #require(try Self.claim("jti", of: revokedToken) as? String)
            let alice = try await Self.join(server, token: revokedToken, nodeId: "alice")
            let (bob, _) = try await server.joinNormal(room: "r", nodeId: "bob")

            let revoked = try await server.httpJSON("POST", "/revoke", headers: Self.admin, body: #"{"jti":"\#(jti)"}"#)
            #expect(revoked.status == 200)
            #expect(revoked.json["revoked"] as? Bool == true)
            #expect(revoked.json["closed"] as? Int == 1)
            try await alice.expectClose(4003, "Token revoked")

            // The token opens nothing any more: not a new socket (which must not replace bob
            // either), not TURN credentials.
            let again = try await server.connect(["token": revokedToken, "nodeId": "bob"])
            try await again.expectClose(4003, "Token revoked")
            #expect(try await server.http("GET", "/turn-credentials", headers: ["Authorization": "Bearer \(revokedToken)"]).status == 401)

            // bob, admitted with another token for the same room, is untouched.
            let (carol, _) = try await server.joinNormal(room: "r", nodeId: "carol")
            try await bob.relay(to: "carol", via: carol)
            try await carol.relay(to: "bob", via: bob)
            // Revoking again closes nothing more.
            let repeated = try await server.httpJSON("POST", "/revoke", headers: Self.admin, body: #"{"jti":"\#(jti)"}"#)
            #expect(repeated.status == 200 && repeated.json["closed"] as? Int == 0)
        }
    }

    @Test func revokingASubjectClosesItsTokensIssuedBeforeTheTime() async throws {
        try await TestServer.with { server in
            let now = Date()
            let old = try await Self.join(server, token: server.token(subject: "s", now: now.addingTimeInterval(-600)), nodeId: "old")
            let fresh = try await Self.join(server, token: server.token(subject: "s", now: now), nodeId: "fresh")
            let elsewhere = try await Self.join(server, token: server.token(subject: "t", now: now.addingTimeInterval(-600)), nodeId: "old")

            let before = now.addingTimeInterval(-300).ISO8601Format()
            let revoked = try await server.httpJSON("POST", "/revoke", headers: Self.admin, body: #"{"subject":"s","before":"\#(before)"}"#)
            #expect(revoked.status == 200)
            #expect(revoked.json["closed"] as? Int == 1)
            try await old.expectClose(4003, "Token revoked")

            let earlier = try await server.connect(["token": server.token(subject: "s", now: now.addingTimeInterval(-400)), "nodeId": "x"])
            try await earlier.expectClose(4003, "Token revoked")
            // A token of the subject issued since, and another subject's token, still work.
            let later = try await Self.join(server, token: server.token(subject: "s"), nodeId: "later")
            try await fresh.relay(to: "later", via: later)
            let (peer, _) = try await server.joinNormal(room: "t", nodeId: "peer")
            try await elsewhere.relay(to: "peer", via: peer)
        }
    }

    @Test func badRequestsChangeNothing() async throws {
        try await TestServer.with { server in
            let token = server.token(subject: "r")
            let jti = try #require(try Self.claim("jti", of: token) as? String)
            let holder = try await Self.join(server, token: token, nodeId: "holder")
            let bodies = [
                "", "null", "[]", "{}", #"{"jti":5}"#, #"{"jti":""}"#, #"{"jti":"\#(String(repeating: "j", count: 257))"}"#,
                #"{"jti":"\#(jti)","extra":1}"#, #"{"jti":"\#(jti)","subject":"r","before":"2026-01-01T00:00:00Z"}"#,
                #"{"subject":"r"}"#, #"{"before":"2099-01-01T00:00:00Z"}"#, #"{"subject":"r","before":"tomorrow"}"#,
                #"{"subject":"r","before":"2099-01-01T00:00:00"}"#, #"{"subject":"r","before":1700000000}"#,
            ]
            for body in bodies {
                let response = try await server.httpJSON("POST", "/revoke", headers: Self.admin, body: body)
                #expect(response.status == 400, "\(body)")
                #expect(response.json["statusCode"] as? Int == 400 && response.json["error"] as? String == "Bad Request", "\(body)")
                #expect((response.json["message"] as? String)?.isEmpty == false, "\(body)")
            }
            for headers in [[:], ["Authorization": "Bearer wrong-secret-wrong-secret"], ["x-admin-secret": "wrong-secret-wrong-secret"]] {
                let response = try await server.httpJSON("POST", "/revoke", headers: headers, body: #"{"jti":"\#(jti)"}"#)
                #expect(response.status == 401)
                #expect(response.json["message"] as? String == "Unauthorized")
            }
            // The token still works, and its holder is still there.
            let (bob, _) = try await server.joinNormal(room: "r", nodeId: "bob")
            try await holder.relay(to: "bob", via: bob)
            try await Self.join(server, token: token, nodeId: "second").relay(to: "bob", via: bob)
        }
    }

    @Test func withAuthOffThereIsNothingToRevoke() async throws {
        try await TestServer.with(authDisabled: true) { server in
            let response = try await server.httpJSON("POST", "/revoke", headers: Self.admin, body: #"{"jti":"x"}"#)
            #expect(response.status == 404)
        }
    }
}

extension RevocationTests {
    /// `before` is any RFC 3339 date-time (JSON Schema's `date-time`), offsets included.
    @Test func beforeIsAnRFC3339Time() async throws {
        try await TestServer.with { server in
            let issuedAt = Date(timeIntervalSince1970: 1_700_000_000)  // 2023-11-14T22:13:20Z
            let ttl = Int(Date().timeIntervalSince(issuedAt)) + 3600
            let revoked = try await Self.join(server, token: server.token(subject: "o", ttl: ttl, now: issuedAt), nodeId: "revoked")
            let kept = try await Self.join(server, token: server.token(subject: "o", ttl: ttl, now: issuedAt + 2), nodeId: "kept")
            // One second after the first token's iat, written at +05:30.
            let response = try await server.httpJSON(
                "POST", "/revoke", headers: Self.admin, body: #"{"subject":"o","before":"2023-11-15T03:43:21+05:30"}"#)
            #expect(response.status == 200 && response.json["closed"] as? Int == 1)
            try await revoked.expectClose(4003, "Token revoked")
            let (peer, _) = try await server.joinNormal(room: "o", nodeId: "peer")
            try await kept.relay(to: "peer", via: peer)

            for time in ["2026-01-01t00:00:00z", "2026-01-01T00:00:00.123456789Z", "2024-02-29T23:59:59.5-00:30"] {
                let accepted = try await server.httpJSON("POST", "/revoke", headers: Self.admin, body: #"{"subject":"x","before":"\#(time)"}"#)
                #expect(accepted.status == 200, "\(time)")
            }
            for time in [
                "2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01 00:00:00Z",
                "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00+2:00", "2026-01-01T00:00Z", "2026-01-01T00:00:00Z ", "2026-01-01T23:59:60Z",
            ] {
                let refused = try await server.httpJSON("POST", "/revoke", headers: Self.admin, body: #"{"subject":"x","before":"\#(time)"}"#)
                #expect(refused.status == 400, "\(time)")
            }
        }
    }
}
