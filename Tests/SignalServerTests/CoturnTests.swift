import Foundation
import SignalServer
import Signaling
import Testing

/// Our TURN credentials against a real coturn (`use-auth-secret` with the same secret): the
/// ones `GET /turn-credentials` and `peer-list` hand out open an allocation; tampered, expired
/// and foreign ones do not. Fails (never skips) when coturn is not installed.
@Suite struct CoturnTests {
    /// A credential coturn must refuse.
    enum BadCredential: String, CaseIterable, CustomTestStringConvertible {
        /// One character of a fresh credential changed.
        case tampered
        /// A fresh credential with the expiry in its username pushed a day later.
        case usernameExtended
        /// Signed with the right secret, expired an hour ago.
        case expired
        /// Fresh, signed with another secret.
        case anotherSecret

        var testDescription: String { rawValue }
    }

    /// Runs `body` with coturn and our server sharing a fresh secret, the server's `TURN_URLS`
    /// pointing at coturn.
    private func withCoturnAndServer(_ body: (Coturn, TestServer, String) async throws -> Void) async throws {
        let secret = "coturn-test-secret-\(UUID().uuidString)"
        try await Coturn.with(secret: secret) { coturn in
            let url = try TurnServerURL("turn:127.0.0.1:\(coturn.port)?transport=udp")
            try await TestServer.with({
                $0.turnSecret = secret
                $0.turnURLs = [url]
            }) { server in
                try await body(coturn, server, secret)
            }
        }
    }

    /// `GET /turn-credentials` with a room token: username, credential and the port in `urls`.
    private func fetchCredentials(from server: TestServer, nodeId: String) async throws -> (username: String, credential: String, port: Int?) {
        let token = server.token(subject: "turn-room")
        let (status, json) = try await server.httpJSON(
            "GET", "/turn-credentials?nodeId=\(nodeId)", headers: ["Authorization": "Bearer \(token)"])
        try #require(status == 200, "\(json)")
        let username = try #require(json["username"] as? String)
        let credential = try #require(json["credential"] as? String)
        let url = try TurnServerURL(try #require((json["urls"] as? [String])?.first))
        return (username, credential, url.port)
    }

    @Test func credentialsFromTheEndpointOpenAnAllocation() async throws {
        try await withCoturnAndServer { coturn, server, _ in
            let fetched = try await fetchCredentials(from: server, nodeId: "alice")
            #expect(fetched.port == coturn.port)
            let allocation = try await coturn.allocate(username: fetched.username, credential: fetched.credential, port: fetched.port)
            #expect(allocation.status == 0, "\(allocation.output)\ncoturn: \(coturn.log)")
            #expect(allocation.output.contains("Total lost packets 0"), "\(allocation.output)")
        }
    }

    @Test func credentialsFromPeerListOpenAnAllocation() async throws {
        try await withCoturnAndServer { coturn, server, _ in
            let socket = try await server.connect(["token": server.token(subject: "turn-room"), "nodeId": "bob"])
            try await socket.register(["role": "normal"])
            let peerList = try await socket.nextJSON()
            let iceServer = try #require((peerList["iceServers"] as? [[String: Any]])?.first, "\(peerList)")
            let username = try #require(iceServer["username"] as? String)
            #expect(username.hasSuffix(":bob"))
            let allocation = try await coturn.allocate(username: username, credential: try #require(iceServer["credential"] as? String))
            #expect(allocation.status == 0, "\(allocation.output)\ncoturn: \(coturn.log)")
            #expect(allocation.output.contains("Total lost packets 0"), "\(allocation.output)")
            await socket.drop()
        }
    }

    @Test(arguments: BadCredential.allCases)
    func coturnRefusesTheAllocation(_ bad: BadCredential) async throws {
        try await withCoturnAndServer { coturn, server, secret in
            let fresh = try await fetchCredentials(from: server, nodeId: "mallory")
            let urls = [try TurnServerURL("turn:127.0.0.1:\(coturn.port)")]
            let username: String, credential: String
            switch bad {
            case .tampered:
                username = fresh.username
                let first = fresh.credential.first!
                credential = String(first == "A" ? "B" : "A") + fresh.credential.dropFirst()
            case .usernameExtended:
                let expiry = try #require(Int(fresh.username.prefix { $0 != ":" }))
                username = "\(expiry + 86_400):mallory"
                credential = fresh.credential
            case .expired:
                let issuer = TurnCredentialIssuer(secret: secret, urls: urls, timeToLive: TimeToLive(seconds: 600))
                let minted = issuer.credentials(for: "mallory", now: Date().addingTimeInterval(-3_600))
                (username, credential) = (minted.username, minted.credential)
            case .anotherSecret:
                let minted = TurnCredentialIssuer(secret: secret + "-not", urls: urls).credentials(for: "mallory")
                (username, credential) = (minted.username, minted.credential)
            }
            let allocation = try await coturn.allocate(username: username, credential: credential)
            #expect(allocation.status != 0, "coturn accepted \(bad) credentials: \(allocation.output)")
            #expect(allocation.output.contains("Cannot complete Allocation"), "\(allocation.output)")
        }
    }
}
