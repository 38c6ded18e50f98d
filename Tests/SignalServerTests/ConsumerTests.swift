import Foundation
import Signaling
import Testing

/// Consumers with identity-provider tokens over real sockets (SPEC § Roles and frames):
/// a token-less socket with a `room` registers as a consumer with a token signed by
/// `CONSUMER_PUBLIC_KEY_JWK`'s key, and every refusal is an `auth-err` frame then a 4003 close.
@Suite struct ConsumerTests {
    let provider = IdentityProvider()

    @Test func aConsumerWithAValidTokenGetsTheServerList() async throws {
        try await TestServer.with(provider.configure) { server in
            _ = try await server.joinNormal(room: "r", nodeId: "n1")
            _ = try await server.joinNormal(room: "r", nodeId: "n2", register: ["serveConsumers": false])
            _ = try await server.joinNormal(room: "elsewhere", nodeId: "n3")
            let (_, servers) = try await server.joinConsumer(room: "r", nodeId: "c1", token: provider.token())
            #expect(servers == ["n1"])
        }
    }

    @Test func aConsumerRelaysToANormalPeerAndHearsBack() async throws {
        try await TestServer.with(provider.configure) { server in
            let (normal, _) = try await server.joinNormal(room: "r", nodeId: "n")
            let (consumer, servers) = try await server.joinConsumer(room: "r", nodeId: "c", token: provider.token())
            #expect(servers == ["n"])

            let offer = try await consumer.relay(to: "n", via: normal)
            #expect(offer["from"] as? String == "c")
            #expect(offer["fromRole"] as? String == "consumer")
            let answer = try await normal.relay(to: "c", via: consumer)
            #expect(answer["from"] as? String == "n")
            #expect(answer["fromRole"] as? String == "normal")
        }
    }

    @Test func aConsumerCannotReachAnotherConsumer() async throws {
        try await TestServer.with(provider.configure) { server in
            let (normal, _) = try await server.joinNormal(room: "r", nodeId: "n")
            let (first, _) = try await server.joinConsumer(room: "r", nodeId: "c1", token: provider.token(subject: "a"))
            let (second, _) = try await server.joinConsumer(room: "r", nodeId: "c2", token: provider.token(subject: "b"))

            try await first.send(json: ["type": "offer", "to": "c2", "sdp": "consumer-to-consumer"])
            #expect(try await first.barrier().isEmpty, "dropped silently, no error")
            // The offer was handled before the barrier; c2's first frame is the normal peer's.
            let next = try await normal.relay(to: "c2", via: second)
            #expect(next["from"] as? String == "n")
        }
    }

    /// Tokens that must be refused, each for a different reason.
    enum BadToken: String, CaseIterable, CustomTestStringConvertible {
        case tampered, otherKey, expired, wrongIssuer, wrongAudience, garbage

        var testDescription: String { rawValue }

        func token(from provider: IdentityProvider) -> String {
            switch self {
            case .tampered:
                let parts = provider.token(subject: "agent").split(separator: ".").map(String.init)
                let forged = Base64.encode(Array(
                    #"{"sub":"admin","iss":"\#(IdentityProvider.issuer)","aud":"\#(IdentityProvider.audience)","exp":4000000000}"#.utf8))
                return [parts[0], forged, parts[2]].joined(separator: ".")
            case .otherKey: return IdentityProvider(keyID: provider.keyID).token()
            case .expired: return provider.token(lifetime: -1)
            case .wrongIssuer: return provider.token(issuer: "https://evil.example.test/")
            case .wrongAudience: return provider.token(audience: "another-app")
            case .garbage: return "not-a-jwt"
            }
        }
    }

    @Test(arguments: BadToken.allCases)
    func aBadTokenGetsAuthErrThen4003(_ bad: BadToken) async throws {
        try await TestServer.with(provider.configure) { server in
            let socket = try await server.connect(["room": "r", "nodeId": "c"])
            try await socket.register(["role": "consumer", "token": bad.token(from: provider)])
            let frame = try await socket.nextJSON()
            #expect(
                try Wire.canonical(frame)
                    == Wire.canonical([
                        "type": "auth-err", "status": "UNAUTHENTICATED", "message": "invalid or expired consumer token",
                    ]))
            try await socket.expectClose(4003, "invalid consumer token")
            try await server.awaitHealth { peers, rooms in peers == 0 && rooms == 0 }
        }
    }

    @Test(arguments: [nil, ""] as [String?])
    func aMissingTokenGetsAuthErrThen4003(_ token: String?) async throws {
        try await TestServer.with(provider.configure) { server in
            let socket = try await server.connect(["room": "r", "nodeId": "c"])
            var fields: [String: Any] = ["role": "consumer"]
            fields["token"] = token
            try await socket.register(fields)
            let frame = try await socket.nextJSON()
            #expect(frame["type"] as? String == "auth-err")
            #expect(frame["status"] as? String == "UNAUTHENTICATED")
            #expect(frame["message"] as? String == "missing consumer token")
            try await socket.expectClose(4003, "missing consumer token")
        }
    }

    @Test func aRefusedConsumerIsNobodysPeer() async throws {
        try await TestServer.with(provider.configure) { server in
            let (normal, _) = try await server.joinNormal(room: "r", nodeId: "n")
            let refused = try await server.connect(["room": "r", "nodeId": "c"])
            try await refused.register(["role": "consumer", "token": provider.token(lifetime: -1)])
            try await refused.expectClose(4003, "invalid consumer token")
            try await normal.send(json: ["type": "offer", "to": "c", "sdp": "x"])
            try await normal.expectError("PEER_NOT_FOUND", "Peer c is not connected")
        }
    }

    @Test func withAuthOffConsumerKeysAreNotUsed() async throws {
        try await TestServer.with(authDisabled: true, provider.configure) { server in
            let (_, servers) = try await server.joinConsumer(room: "r", nodeId: "c")
            #expect(servers.isEmpty)
        }
    }
}
