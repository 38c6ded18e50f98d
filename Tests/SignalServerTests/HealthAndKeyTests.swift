import Crypto
import Foundation
import NIOCore
import NIOWebSocket
import SignalServer
import Signaling
import Testing

/// Shared checks for the HTTP tests.
enum HTTPCheck {
    static let jsonContentType = "application/json; charset=utf-8"

    /// `Date.toISOString()`'s shape: UTC with exactly three fractional digits.
    static func isISO8601Milliseconds(_ text: String) -> Bool {
        let pattern = try! Regex(#"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"#)
        return text.wholeMatch(of: pattern) != nil
    }

    /// Parses an ISO-8601 timestamp with fractional seconds.
    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    /// The body as a JSON object, or `nil` when it is not one.
    static func object(_ body: Data) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
    }

    /// An integer member that is a JSON number (not a string).
    static func integer(_ value: Any?) -> Int? {
        value is String ? nil : value as? Int
    }
}

/// `GET /health`.
@Suite struct HealthHTTPTests {
    @Test func answersWithStatusAuthCountsAndAMillisecondTimestamp() async throws {
        try await TestServer.with { server in
            let before = Date()
            let response = try await server.http("GET", "/health")
            let after = Date()
            #expect(response.status == 200)
            #expect(response.headers["content-type"] == HTTPCheck.jsonContentType)
            let json = try #require(HTTPCheck.object(response.body))
            #expect(Set(json.keys) == ["status", "auth", "peers", "rooms", "ts"])
            #expect(json["status"] as? String == "ok")
            #expect(json["auth"] as? String == "enabled")
            #expect(HTTPCheck.integer(json["peers"]) == 0)
            #expect(HTTPCheck.integer(json["rooms"]) == 0)
            let ts = try #require(json["ts"] as? String)
            #expect(HTTPCheck.isISO8601Milliseconds(ts), "ts is \(ts)")
            let date = try #require(HTTPCheck.date(ts))
            // Millisecond precision: the stamp lies within the request, give or take the truncation.
            #expect(date >= before.addingTimeInterval(-0.001) && date <= after.addingTimeInterval(0.001))
        }
    }

    @Test func saysAuthDisabledWhenItIs() async throws {
        try await TestServer.with(authDisabled: true) { server in
            let response = try await server.http("GET", "/health")
            #expect(response.status == 200)
            #expect(response.headers["content-type"] == HTTPCheck.jsonContentType)
            let json = try #require(HTTPCheck.object(response.body))
            #expect(json["status"] as? String == "ok")
            #expect(json["auth"] as? String == "disabled")
        }
    }

    @Test func needsNoCredentials() async throws {
        // Garbage credentials on /health are ignored, never a 401.
        try await TestServer.with { server in
            let response = try await server.http("GET", "/health", headers: ["Authorization": "Bearer nonsense"])
            #expect(response.status == 200)
        }
    }

    @Test func countsRegisteredAndUnregisteredSocketsAndRooms() async throws {
        try await TestServer.with { server in
            let (alice, _) = try await server.joinNormal(room: "health-room", nodeId: "alice")
            #expect(try await server.health() == (peers: 1, rooms: 1))
            // Connected but never registered: still a peer.
            let pending = try await server.connect(["token": server.token(subject: "health-room"), "nodeId": "pending"])
            try await server.awaitHealth { peers, rooms in peers == 2 && rooms == 1 }
            let (bob, _) = try await server.joinNormal(room: "other-room", nodeId: "bob")
            #expect(try await server.health() == (peers: 3, rooms: 2))
            for socket in [alice, pending, bob] { try await Self.closeCleanly(socket) }
            try await server.awaitHealth { peers, rooms in peers == 0 && rooms == 0 }
        }
    }

    /// Sends a close frame (1000) and waits for the server's.
    static func closeCleanly(_ socket: TestSocket) async throws {
        var code = ByteBuffer()
        code.writeInteger(UInt16(1000))
        try await socket.send(WebSocketFrame(fin: true, opcode: .connectionClose, data: code))
        _ = try await socket.nextClose()
    }
}

/// `GET /public-key` and `GET /.well-known/jwks.json`.
@Suite struct PublicKeyHTTPTests {
    /// The key of RFC 8037 Appendix A, whose thumbprint (A.3) is known.
    static let rfc8037Seed = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
    static let rfc8037X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
    static let rfc8037Thumbprint = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"

    @Test func publishesTheRFC8037KeyWithItsThumbprint() async throws {
        let seed = try #require(Base64.decode(Self.rfc8037Seed))
        let privateKey = try #require(Ed25519PrivateKey(seed: seed))
        let keys = SigningKeyPair(privateKey: privateKey)
        try await TestServer.with({
            $0.authentication = .enabled(keys: keys, adminSecret: AdminSecret(TestServer.adminSecret))
        }) { server in
            let response = try await server.http("GET", "/public-key")
            #expect(response.status == 200)
            #expect(response.headers["content-type"] == HTTPCheck.jsonContentType)
            let json = try #require(HTTPCheck.object(response.body))
            #expect(Set(json.keys) == ["alg", "crv", "kty", "x", "kid", "use"])
            #expect(json["alg"] as? String == "EdDSA")
            #expect(json["crv"] as? String == "Ed25519")
            #expect(json["kty"] as? String == "OKP")
            #expect(json["use"] as? String == "sig")
            #expect(json["x"] as? String == Self.rfc8037X)
            #expect(json["kid"] as? String == Self.rfc8037Thumbprint)
            // Never the private part.
            #expect(json["d"] == nil)
            #expect(!String(decoding: response.body, as: UTF8.self).contains(Self.rfc8037Seed))
        }
    }

    @Test func publishesTheServersOwnKey() async throws {
        try await TestServer.with { server in
            let keys = try #require(server.keys)
            let json = try #require(HTTPCheck.object(try await server.http("GET", "/public-key").body))
            let x = try #require(json["x"] as? String)
            #expect(x == Base64.encode(keys.publicKey.bytes))
            #expect(Base64.decode(x) == keys.publicKey.bytes)
            // The RFC 7638 thumbprint, computed here independently of the server.
            let canonical = #"{"crv":"Ed25519","kty":"OKP","x":"\#(x)"}"#
            #expect(json["kid"] as? String == Base64.encode(Array(SHA256.hash(data: Array(canonical.utf8)))))
            #expect(json["kid"] as? String == keys.keyID)
        }
    }

    @Test func jwksHoldsThePublicKey() async throws {
        try await TestServer.with { server in
            let publicKey = try await server.http("GET", "/public-key")
            let jwks = try await server.http("GET", "/.well-known/jwks.json")
            #expect(jwks.status == 200)
            #expect(jwks.headers["content-type"] == HTTPCheck.jsonContentType)
            let set = try #require(HTTPCheck.object(jwks.body))
            #expect(Set(set.keys) == ["keys"])
            let keys = try #require(set["keys"] as? [[String: Any]])
            try #require(keys.count == 1)
            let expected = try #require(HTTPCheck.object(publicKey.body))
            #expect(NSDictionary(dictionary: keys[0]).isEqual(to: expected))
            let serverKeys = try #require(server.keys)
            #expect(keys[0]["x"] as? String == Base64.encode(serverKeys.publicKey.bytes))
        }
    }

    @Test(arguments: [("GET", "/public-key"), ("GET", "/.well-known/jwks.json"), ("POST", "/token")])
    func isNotFoundWithAuthDisabled(method: String, path: String) async throws {
        try await TestServer.with(authDisabled: true) { server in
            // Even with what would be a valid /token request.
            let response = try await server.http(
                method, path, headers: ["x-admin-secret": TestServer.adminSecret],
                body: method == "POST" ? #"{"ttl":"1h"}"# : nil)
            #expect(response.status == 404)
            #expect(response.headers["content-type"] == HTTPCheck.jsonContentType)
            let json = try #require(HTTPCheck.object(response.body))
            #expect(HTTPCheck.integer(json["statusCode"]) == 404)
            #expect(json["error"] as? String == "Not Found")
            #expect(json["message"] as? String == "Route \(method):\(path) not found")
        }
    }
}
