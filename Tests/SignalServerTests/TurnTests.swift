import Crypto
import Foundation
import Logging
import SignalServer
import Signaling
import TestServices
import Testing

/// TURN on the wire: `GET /turn-credentials` (README § TURN), the `iceServers` member of
/// `peer-list` and `server-list`, and the TURN settings refused at start.
@Suite struct TurnTests {
    static let secret = "wire-test-turn-secret"
    static let urls = ["turn:127.0.0.1:3478?transport=udp", "stun:127.0.0.1:3478"]

    /// Turns TURN on with ``secret`` and ``urls``.
    static func turnOn(_ configuration: inout SignalConfiguration) {
        configuration.turnSecret = secret
        configuration.turnURLs = urls.map { try! TurnServerURL($0) }
    }

    /// Checks an `RTCIceServer` object: the configured URLs, a username `<expiry>:<nodeId>` whose
    /// expiry is `ttl` from now, and base64(HMAC-SHA1(secret, username)) computed here.
    static func expectIceServer(
        _ object: [String: Any]?, nodeId: String, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> (expiry: Int, ttl: Int) {
        let object = try #require(object, sourceLocation: sourceLocation)
        #expect(Set(object.keys) == ["username", "credential", "ttl", "urls"], sourceLocation: sourceLocation)
        #expect(object["urls"] as? [String] == urls, sourceLocation: sourceLocation)
        let username = try #require(object["username"] as? String, sourceLocation: sourceLocation)
        let ttl = try #require(object["ttl"] as? Int, sourceLocation: sourceLocation)
        let parts = username.split(separator: ":", maxSplits: 1)
        try #require(parts.count == 2, "\(username)", sourceLocation: sourceLocation)
        #expect(parts[1] == nodeId, sourceLocation: sourceLocation)
        let expiry = try #require(Int(parts[0]), sourceLocation: sourceLocation)
        let now = Int(Date().timeIntervalSince1970)
        // The server computed ttl at its own now, at most a few seconds (× SIGNAL_TEST_SLOWDOWN) before ours.
        #expect((now - Int(5 * testSlowdown)...now).contains(expiry - ttl), "\(username) ttl \(ttl)", sourceLocation: sourceLocation)
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Array(username.utf8), using: SymmetricKey(data: Array(secret.utf8)))
        #expect(object["credential"] as? String == Data(mac).base64EncodedString(), sourceLocation: sourceLocation)
        return (expiry, ttl)
    }

    static func bearer(_ token: String) -> [String: String] { ["Authorization": "Bearer \(token)"] }

    // MARK: GET /turn-credentials

    @Test func credentialsForARoomTokenHolder() async throws {
        try await TestServer.with(Self.turnOn) { server in
            let response = try await server.http("GET", "/turn-credentials", headers: Self.bearer(server.token(subject: "lobby", ttl: 7_200)))
            #expect(response.status == 200)
            #expect(response.headers["content-type"] == "application/json; charset=utf-8")
            #expect(response.headers["cache-control"] == "no-store")
            let json = try JSONSerialization.jsonObject(with: response.body) as? [String: Any]
            // Without nodeId the credentials are for the token's subject; TURN_TTL (1h) applies
            // in full because the token lives longer.
            let (_, ttl) = try Self.expectIceServer(json, nodeId: "lobby")
            #expect(ttl == 3_600)
        }
    }

    @Test func theNodeIdQueryNamesTheUsername() async throws {
        try await TestServer.with(Self.turnOn) { server in
            let headers = Self.bearer(server.token(subject: "lobby"))
            let (status, json) = try await server.httpJSON("GET", "/turn-credentials?nodeId=alice-1", headers: headers)
            #expect(status == 200)
            _ = try Self.expectIceServer(json, nodeId: "alice-1")
            let encoded = try await server.httpJSON("GET", "/turn-credentials?nodeId=caf%C3%A9%20bob", headers: headers)
            #expect(encoded.status == 200)
            _ = try Self.expectIceServer(encoded.json, nodeId: "café bob")
        }
    }

    @Test func aShortLivedTokenCapsTheTimeToLive() async throws {
        try await TestServer.with(Self.turnOn) { server in
            let issued = server.service.configuration.tokenIssuerService!.issue(subject: "lobby", timeToLive: TimeToLive(seconds: 120))
            let (status, json) = try await server.httpJSON("GET", "/turn-credentials?nodeId=n", headers: Self.bearer(issued.token))
            #expect(status == 200)
            let (expiry, ttl) = try Self.expectIceServer(json, nodeId: "n")
            #expect(expiry == Int(issued.expiresAt.timeIntervalSince1970))
            #expect((1...120).contains(ttl))
        }
    }

    @Test func aLongerTurnTTLIsStillCappedAndAShorterOneApplies() async throws {
        try await TestServer.with({
            Self.turnOn(&$0)
            $0.turnTTL = TimeToLive(seconds: 300)
        }) { server in
            let (_, json) = try await server.httpJSON("GET", "/turn-credentials?nodeId=n", headers: Self.bearer(server.token(subject: "lobby")))
            #expect(try Self.expectIceServer(json, nodeId: "n").ttl == 300)
        }
    }

    static let refusedAuthorizations: [(String, [String: String])] = [
        ("no header", [:]),
        ("not a token", ["Authorization": "Bearer not-a-token"]),
        ("empty bearer", ["Authorization": "Bearer "]),
        ("basic scheme", ["Authorization": "Basic YWxpY2U6c2VjcmV0"]),
        ("token in another header", ["X-Admin-Secret": TestServer.adminSecret]),
    ]

    @Test(arguments: refusedAuthorizations)
    func withoutAValidTokenIs401(_ label: String, _ headers: [String: String]) async throws {
        try await TestServer.with(Self.turnOn) { server in
            let (status, json) = try await server.httpJSON("GET", "/turn-credentials?nodeId=alice", headers: headers)
            #expect(status == 401, "\(label)")
            Self.expectError(json, status: 401, reason: "Unauthorized")
        }
    }

    @Test func expiredAndForeignTokensAre401() async throws {
        try await TestServer.with(Self.turnOn) { server in
            let expired = server.token(subject: "lobby", ttl: 60, now: Date().addingTimeInterval(-3_600))
            let foreign = TokenIssuer(
                keys: .generate(), issuer: server.service.configuration.tokenIssuer, audience: server.service.configuration.tokenAudience
            ).issue(subject: "lobby", timeToLive: TimeToLive(seconds: 600)).token
            for token in [expired, foreign] {
                let response = try await server.http("GET", "/turn-credentials", headers: Self.bearer(token))
                #expect(response.status == 401)
                let json = try JSONSerialization.jsonObject(with: response.body) as? [String: Any]
                Self.expectError(json, status: 401, reason: "Unauthorized")
                #expect(!String(decoding: response.body, as: UTF8.self).contains(Self.secret))
            }
        }
    }

    @Test(arguments: ["", "%01evil", String(repeating: "n", count: 257), "a%0Ab"])
    func aBadNodeIdIs400(_ nodeId: String) async throws {
        try await TestServer.with(Self.turnOn) { server in
            let (status, json) = try await server.httpJSON(
                "GET", "/turn-credentials?nodeId=\(nodeId)", headers: Self.bearer(server.token(subject: "lobby")))
            #expect(status == 400)
            Self.expectError(json, status: 400, reason: "Bad Request")
        }
    }

    @Test func withoutATokenABadNodeIdIsStill401() async throws {
        try await TestServer.with(Self.turnOn) { server in
            let (status, json) = try await server.httpJSON("GET", "/turn-credentials?nodeId=%01")
            #expect(status == 401)
            Self.expectError(json, status: 401, reason: "Unauthorized")
        }
    }

    @Test func neitherTheSecretNorACredentialIsLogged() async throws {
        try await TestServer.with(logLevel: .trace, Self.turnOn) { server in
            let token = server.token(subject: "lobby")
            let fetched = try await server.httpJSON("GET", "/turn-credentials?nodeId=alice", headers: Self.bearer(token)).json
            let socket = try await server.connect(["token": token, "nodeId": "bob"])
            try await socket.register(["role": "normal"])
            let peerList = try await socket.nextJSON()
            await socket.drop()
            // The socket's close is logged after everything it did.
            _ = try await server.logs.line { $0.contains("nodeId=bob") && $0.contains(" code=") }
            let credentials = [fetched["credential"] as? String, (peerList["iceServers"] as? [[String: Any]])?.first?["credential"] as? String]
            for secret in [Self.secret] + credentials.map({ $0 ?? "missing credential" }) {
                #expect(!server.logs.lines.contains { $0.contains(secret) }, "\(secret) logged")
            }
        }
    }

    @Test func withAuthDisabledNoTokenIsNeeded() async throws {
        try await TestServer.with(authDisabled: true, Self.turnOn) { server in
            let (status, json) = try await server.httpJSON("GET", "/turn-credentials?nodeId=guest")
            #expect(status == 200)
            #expect(try Self.expectIceServer(json, nodeId: "guest").ttl == 3_600)
            // Without nodeId: a fresh random one each time, never shared between callers.
            let first = try await server.httpJSON("GET", "/turn-credentials").json["username"] as? String
            let second = try await server.httpJSON("GET", "/turn-credentials").json["username"] as? String
            #expect(first != nil && second != nil && first != second)
        }
    }

    @Test(arguments: [false, true])
    func withTurnOffTheEndpointIs404(authDisabled: Bool) async throws {
        try await TestServer.with(authDisabled: authDisabled) { server in
            let headers = authDisabled ? [:] : Self.bearer(server.token(subject: "lobby"))
            let (status, json) = try await server.httpJSON("GET", "/turn-credentials", headers: headers)
            #expect(status == 404)
            Self.expectError(json, status: 404, reason: "Not Found")
        }
    }

    static func expectError(_ json: [String: Any]?, status: Int, reason: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(json?["statusCode"] as? Int == status, sourceLocation: sourceLocation)
        #expect(json?["error"] as? String == reason, sourceLocation: sourceLocation)
        #expect((json?["message"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
        #expect(json.map { Set($0.keys) } == ["statusCode", "error", "message"], sourceLocation: sourceLocation)
    }

    // MARK: iceServers in peer-list and server-list

    @Test func peerListCarriesIceServersForThisNode() async throws {
        try await TestServer.with(Self.turnOn) { server in
            let issued = server.service.configuration.tokenIssuerService!.issue(subject: "lobby", timeToLive: TimeToLive(seconds: 90))
            let socket = try await server.connect(["token": issued.token, "nodeId": "alice"])
            try await socket.register(["role": "normal"])
            let peerList = try await socket.nextJSON()
            #expect(peerList["type"] as? String == "peer-list")
            let iceServers = try #require(peerList["iceServers"] as? [[String: Any]], "\(peerList)")
            #expect(iceServers.count == 1)
            let (expiry, _) = try Self.expectIceServer(iceServers.first, nodeId: "alice")
            // Never beyond the token that admitted the socket.
            #expect(expiry == Int(issued.expiresAt.timeIntervalSince1970))
            await socket.drop()
        }
    }

    @Test func serverListCarriesIceServersForThisConsumer() async throws {
        try await TestServer.with(authDisabled: true, Self.turnOn) { server in
            let socket = try await server.connect(["room": "lobby", "nodeId": "reader"])
            try await socket.register(["role": "consumer"])
            let serverList = try await socket.nextJSON()
            #expect(serverList["type"] as? String == "server-list")
            let iceServers = try #require(serverList["iceServers"] as? [[String: Any]], "\(serverList)")
            #expect(try Self.expectIceServer(iceServers.first, nodeId: "reader").ttl == 3_600)
            await socket.drop()
        }
    }

    @Test func withTurnOffTheListsHaveNoIceServers() async throws {
        try await TestServer.with(authDisabled: true) { server in
            let normal = try await server.connect(["room": "lobby", "nodeId": "a"])
            try await normal.register(["role": "normal"])
            let peerList = try await normal.nextJSON()
            #expect(peerList["type"] as? String == "peer-list")
            #expect(peerList["iceServers"] == nil)
            let consumer = try await server.connect(["room": "lobby", "nodeId": "b"])
            try await consumer.register(["role": "consumer"])
            let serverList = try await consumer.nextJSON()
            #expect(serverList["type"] as? String == "server-list")
            #expect(serverList["iceServers"] == nil)
            await normal.drop()
            await consumer.drop()
        }
    }

    // MARK: Settings refused at start

    static func turnEnvironment(_ extra: [String: String]) -> [String: String] {
        ConfigurationTests.authEnvironment().merging(extra) { $1 }
    }

    @Test func theThreeSettingsAreRead() throws {
        let configuration = try ConfigurationTests.load(Self.turnEnvironment([
            "TURN_SECRET": Self.secret, "TURN_URLS": "turn:turn.example.org:3478?transport=udp, stun:stun.example.org", "TURN_TTL": "1d",
        ]))
        #expect(configuration.turnSecret == Self.secret)
        #expect(configuration.turnURLs?.map(\.description) == ["turn:turn.example.org:3478?transport=udp", "stun:stun.example.org"])
        #expect(configuration.turnTTL.seconds == 86_400)
        #expect(configuration.turnCredentialIssuer != nil)
        let off = try ConfigurationTests.load(Self.turnEnvironment([:]))
        #expect(off.turnCredentialIssuer == nil)
        #expect(off.turnTTL.seconds == 3_600)
    }

    static let refusedSettings: [(environment: [String: String], variable: String)] = [
        (["TURN_SECRET": secret], "TURN_URLS"),
        (["TURN_URLS": "turn:127.0.0.1:3478"], "TURN_SECRET"),
        (["TURN_SECRET": "", "TURN_URLS": "turn:127.0.0.1:3478"], "TURN_SECRET"),
        (["TURN_SECRET": secret, "TURN_URLS": "http://turn.example.org"], "TURN_URLS"),
        (["TURN_SECRET": secret, "TURN_URLS": "turn:127.0.0.1:3478,"], "TURN_URLS"),
        (["TURN_SECRET": secret, "TURN_URLS": "turn:127.0.0.1:99999"], "TURN_URLS"),
        (["TURN_SECRET": secret, "TURN_URLS": "turn:127.0.0.1", "TURN_TTL": "2d"], "TURN_TTL"),
        (["TURN_SECRET": secret, "TURN_URLS": "turn:127.0.0.1", "TURN_TTL": "soon"], "TURN_TTL"),
    ]

    @Test(arguments: refusedSettings)
    func badTurnSettingsAreRefusedAtStart(_ environment: [String: String], _ variable: String) throws {
        let error = try #require(ConfigurationTests.refusal(Self.turnEnvironment(environment)))
        #expect(error.variable == variable)
        #expect(error.description.hasPrefix(variable))
        #expect(!error.description.contains(Self.secret), "\(error.description)")
    }
}
