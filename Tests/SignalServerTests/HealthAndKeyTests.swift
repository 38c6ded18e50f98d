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
            #expect(json["kid"] as? String == Base64.encode(SHA256.digest(Array(canonical.utf8))))
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

/// SHA-256 (FIPS 180-4), only to recompute thumbprints independently of the server.
enum SHA256 {
    private static let k: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    static func digest(_ message: [UInt8]) -> [UInt8] {
        var h: [UInt32] = [
            0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
        ]
        var padded = message + [0x80]
        while padded.count % 64 != 56 { padded.append(0) }
        let bitLength = UInt64(message.count) * 8
        for shift in stride(from: 56, through: 0, by: -8) { padded.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        func rotate(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
        for chunk in stride(from: 0, to: padded.count, by: 64) {
            var w = [UInt32](repeating: 0, count: 64)
            for i in 0..<16 {
                w[i] = padded[chunk + 4 * i..<chunk + 4 * i + 4].reduce(0) { $0 << 8 | UInt32($1) }
            }
            for i in 16..<64 {
                let s0 = rotate(w[i - 15], 7) ^ rotate(w[i - 15], 18) ^ (w[i - 15] >> 3)
                let s1 = rotate(w[i - 2], 17) ^ rotate(w[i - 2], 19) ^ (w[i - 2] >> 10)
                w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
            }
            var (a, b, c, d, e, f, g, hh) = (h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
            for i in 0..<64 {
                let t1 = hh &+ (rotate(e, 6) ^ rotate(e, 11) ^ rotate(e, 25)) &+ ((e & f) ^ (~e & g)) &+ k[i] &+ w[i]
                let t2 = (rotate(a, 2) ^ rotate(a, 13) ^ rotate(a, 22)) &+ ((a & b) ^ (a & c) ^ (b & c))
                (hh, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
            }
            for (i, value) in [a, b, c, d, e, f, g, hh].enumerated() { h[i] = h[i] &+ value }
        }
        return h.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (24 - 8 * UInt32($0))) } }
    }
}

/// The test's own SHA-256, checked so the thumbprint comparison above means something.
@Suite struct SHA256HTTPTests {
    @Test func matchesTheFIPSExamples() {
        #expect(
            SHA256.digest(Array("abc".utf8)).map { String(format: "%02x", $0) }.joined()
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            SHA256.digest([]).map { String(format: "%02x", $0) }.joined()
                == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}
