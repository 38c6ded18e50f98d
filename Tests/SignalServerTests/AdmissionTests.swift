import Foundation
import Signaling
import Testing

/// SPEC § WebSocket `/signal`: the admission table, row by row, over real sockets.
@Suite struct AdmissionTests {
    // MARK: - Auth on, with a token

    @Test func validTokenAloneAdmitsToTheSubjectsRoomAsTheSubject() async throws {
        try await TestServer.with { server in
            // No room, no nodeId: room = sub and nodeId = sub.
            let socket = try await server.connect(["token": server.token(subject: "room-a")])
            try await socket.register()
            let reply = try await socket.nextJSON()
            #expect(reply["type"] as? String == "peer-list")
            #expect(reply["peers"] as? [String] == [])

            // Another holder of a room-a token sees it, under the subject as its nodeId.
            let (other, peers) = try await server.joinNormal(room: "room-a", nodeId: "other")
            #expect(peers == ["room-a"])
            try await other.relay(to: "room-a", via: socket)
            // A room-b token is another room.
            let (_, roomB) = try await server.joinNormal(room: "room-b", nodeId: "b")
            #expect(roomB.isEmpty)
        }
    }

    @Test func roomEqualToTheSubjectIsAdmitted() async throws {
        try await TestServer.with { server in
            let socket = try await server.connect(["token": server.token(subject: "r"), "room": "r", "nodeId": "n1"])
            try await socket.register()
            #expect(try await socket.nextJSON()["type"] as? String == "peer-list")
            let (_, peers) = try await server.joinNormal(room: "r", nodeId: "n2")
            #expect(peers == ["n1"])
        }
    }

    @Test func roomDifferingFromTheSubjectIsRefused() async throws {
        try await TestServer.with { server in
            let socket = try await server.connect(["token": server.token(subject: "mine"), "room": "theirs"])
            try await socket.expectClose(4003, "Room does not match token subject")
            try await socket.waitForDisconnect()
            try await server.awaitHealth { peers, rooms in peers == 0 && rooms == 0 }
        }
    }

    @Test func emptyRoomWithATokenCountsAsGiven() async throws {
        try await TestServer.with { server in
            let socket = try await server.connect(["token": server.token(subject: "mine"), "room": ""])
            try await socket.expectClose(4003, "Room does not match token subject")
        }
    }

    enum BadToken: String, CaseIterable, Sendable {
        case garbage, truncated, tampered, expired, wrongKey, wrongIssuer, wrongAudience

        func token(for server: TestServer) -> String {
            let issuer = "aikofy:client-db-sync", audience = "aikofy:client-db"
            switch self {
            case .garbage: return "not-a-token"
            case .truncated: return String(server.token(subject: "r").dropLast(5))
            case .tampered:
                // The same signature over another payload (claims for room "s").
                var parts = server.token(subject: "r").split(separator: ".").map(String.init)
                parts[1] = server.token(subject: "s").split(separator: ".").map(String.init)[1]
                return parts.joined(separator: ".")
            case .expired: return server.token(subject: "r", ttl: 60, now: Date().addingTimeInterval(-3600))
            case .wrongKey:
                return TokenIssuer(keys: .generate(), issuer: issuer, audience: audience)
                    .issue(subject: "r", timeToLive: TimeToLive(seconds: 3600)).token
            case .wrongIssuer:
                return TokenIssuer(keys: server.keys!, issuer: "someone-else", audience: audience)
                    .issue(subject: "r", timeToLive: TimeToLive(seconds: 3600)).token
            case .wrongAudience:
                return TokenIssuer(keys: server.keys!, issuer: issuer, audience: "someone-else")
                    .issue(subject: "r", timeToLive: TimeToLive(seconds: 3600)).token
            }
        }
    }

    @Test(arguments: BadToken.allCases)
    func tokenFailingVerificationIsRefused(_ bad: BadToken) async throws {
        try await TestServer.with { server in
            let socket = try await server.connect(["token": bad.token(for: server), "room": "r", "nodeId": "n"])
            try await socket.expectClose(4003, "Invalid or expired token")
            // It never joined: a legitimate "n" in room r is not replaced or listed.
            let (_, peers) = try await server.joinNormal(room: "r", nodeId: "m")
            #expect(peers.isEmpty)
        }
    }

    // MARK: - Auth on, without a token

    @Test func noTokenAndNoRoomIsRefused() async throws {
        try await TestServer.with { server in
            let bare = try await server.connect()
            try await bare.expectClose(4001, "Missing token")
            // Empty token and empty room mean absent on this path.
            let empty = try await server.connect(["token": "", "room": "", "nodeId": "n"])
            try await empty.expectClose(4001, "Missing token")
        }
    }

    @Test func noTokenWithRoomIsAdmittedAsAWouldBeConsumer() async throws {
        try await TestServer.with { server in
            let socket = try await server.connect(["room": "r", "nodeId": "c"])
            // Admitted and pending: it is open, and what it relays is refused as unregistered.
            try await socket.send(json: ["type": "offer", "to": "x"])
            try await socket.expectError("NOT_REGISTERED")
            try await server.awaitHealth { peers, rooms in peers == 1 && rooms == 1 }
            // SPEC v3: nothing is relayed to a pending socket admitted without a token.
            let (member, _) = try await server.joinNormal(room: "r", nodeId: "m")
            try await member.send(json: ["type": "offer", "to": "c", "sdp": "not for squatters"])
            try await member.expectError("PEER_NOT_FOUND", "Peer c is not connected")
        }
    }

    @Test func tokenlessSocketRegisteringAsNormalIsClosed() async throws {
        try await TestServer.with { server in
            let socket = try await server.connect(["room": "r"])
            try await socket.register(["role": "normal"])
            try await socket.expectClose(4001, "Normal Client requires a room token")
            // Without `role` it is a normal register too.
            let implicit = try await server.connect(["room": "r"])
            try await implicit.register()
            try await implicit.expectClose(4001, "Normal Client requires a room token")
            try await server.awaitHealth { peers, rooms in peers == 0 && rooms == 0 }
        }
    }

    @Test func consumerWithoutConsumerKeysIsRefused() async throws {
        try await TestServer.with { server in
            let socket = try await server.connect(["room": "r", "nodeId": "c"])
            try await socket.register(["role": "consumer", "token": "some-idp-token"])
            let frame = try await socket.nextJSON()
            #expect(
                try Wire.canonical(frame)
                    == Wire.canonical([
                        "type": "auth-err", "status": "UNAUTHENTICATED",
                        "message": "consumer authentication is not configured on this server",
                    ]))
            try await socket.expectClose(4003, "consumer auth not configured")
        }
    }

    // MARK: - Auth off

    @Test func authOffDefaultsRoomAndNodeIdAndIgnoresTokens() async throws {
        try await TestServer.with(authDisabled: true) { server in
            let first = try await server.connect(["token": "garbage"])
            try await first.register()
            #expect(try await first.nextJSON()["peers"] as? [String] == [])
            let second = try await server.connect()
            try await second.register()
            let secondPeers = try #require(try await second.nextJSON()["peers"] as? [String])
            #expect(secondPeers.count == 1)

            let (_, peers) = try await server.joinNormal(room: "default", nodeId: "named")
            #expect(peers.count == 2)
            #expect(peers.first == secondPeers.first)
            #expect(Set(peers).count == 2)
            for nodeId in peers {
                #expect(UUID(uuidString: nodeId) != nil, "\(nodeId) is not a UUID")
            }
            try await server.awaitHealth { peers, rooms in peers == 3 && rooms == 1 }
        }
    }

    @Test func queryValuesAreFormDecoded() async throws {
        try await TestServer.with(authDisabled: true) { server in
            let first = try await server.connect(rawQuery: "room=my+room&nodeId=a%20b")
            try await first.register()
            _ = try await first.nextJSON()
            let second = try await server.connect(rawQuery: "room=my%20room&nodeId=c+d%2Be")
            try await second.register()
            #expect(try await second.nextJSON()["peers"] as? [String] == ["a b"])
            let (third, peers) = try await server.joinNormal(room: "my room", nodeId: "x")
            #expect(peers == ["a b", "c d+e"])
            try await third.relay(to: "c d+e", via: second)
        }
    }

    @Test func tokenQueryIsFormDecodedWithAuthOn() async throws {
        try await TestServer.with { server in
            let token = server.token(subject: "team room")
            let socket = try await server.connect(rawQuery: "token=\(token)&room=team+room&nodeId=n%201")
            try await socket.register()
            #expect(try await socket.nextJSON()["type"] as? String == "peer-list")
            let (_, peers) = try await server.joinNormal(room: "team room", nodeId: "n2")
            #expect(peers == ["n 1"])
        }
    }

    // MARK: - Pipelined frames

    @Test func framesPipelinedWithTheUpgradeAreHandledInOrder() async throws {
        try await TestServer.with { server in
            let (alice, _) = try await server.joinNormal(room: "r", nodeId: "alice")
            let bob = try await server.connect(
                ["token": server.token(subject: "r"), "nodeId": "bob"],
                pipelined: [
                    #"{"type":"register"}"#,
                    #"{"type":"offer","to":"alice","sdp":"pipelined"}"#,
                ])
            let reply = try await bob.nextJSON()
            #expect(reply["type"] as? String == "peer-list")
            #expect(reply["peers"] as? [String] == ["alice"])
            let offer = try await alice.nextJSON()
            #expect(offer["from"] as? String == "bob")
            #expect(offer["sdp"] as? String == "pipelined")
        }
    }
}
