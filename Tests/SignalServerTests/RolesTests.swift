import Foundation
import Testing

/// SPEC § Roles and frames: lists, rotation, heartbeats and relay rules. Consumers need auth
/// off (with auth on and no consumer keys they are refused), so these servers run without it.
@Suite struct RolesTests {
    @Test func peerListHasOnlyOtherRegisteredNormalPeers() async throws {
        try await TestServer.with(authDisabled: true) { server in
            let (_, first) = try await server.joinNormal(room: "r", nodeId: "a")
            #expect(first.isEmpty)
            _ = try await server.joinConsumer(room: "r", nodeId: "consumer")
            let pending = try await server.connect(["room": "r", "nodeId": "pending"])
            _ = try await server.joinNormal(room: "other", nodeId: "elsewhere")
            let (_, second) = try await server.joinNormal(room: "r", nodeId: "b")
            #expect(second == ["a"])
            let (_, third) = try await server.joinNormal(room: "r", nodeId: "c", register: ["serveConsumers": false])
            #expect(third == ["a", "b"])

            // Once the pending socket registers it is listed, in its admission place.
            try await pending.register()
            #expect(try await pending.nextJSON()["peers"] as? [String] == ["a", "b", "c"])
            let (_, fourth) = try await server.joinNormal(room: "r", nodeId: "d")
            #expect(fourth == ["a", "pending", "b", "c"])
        }
    }

    @Test func serverListHasNormalPeersWillingAndWithRoom() async throws {
        try await TestServer.with(authDisabled: true) { server in
            _ = try await server.joinNormal(room: "r", nodeId: "willing")
            _ = try await server.joinNormal(room: "r", nodeId: "unwilling", register: ["serveConsumers": false])
            _ = try await server.joinNormal(room: "r", nodeId: "full", register: ["capacity": 0])
            _ = try await server.joinNormal(room: "r", nodeId: "roomy", register: ["capacity": 2])
            _ = try await server.connect(["room": "r", "nodeId": "pending"])
            let (_, servers) = try await server.joinConsumer(room: "r", nodeId: "c1")
            #expect(Set(servers) == ["willing", "roomy"])
            // Consumers are not servers, and not listed to normal peers.
            let (_, more) = try await server.joinConsumer(room: "r", nodeId: "c2")
            #expect(Set(more) == ["willing", "roomy"])
            let (_, peers) = try await server.joinNormal(room: "r", nodeId: "late")
            #expect(peers == ["willing", "unwilling", "full", "roomy"])
        }
    }

    @Test func consumerInAnEmptyRoomGetsAnEmptyServerList() async throws {
        try await TestServer.with(authDisabled: true) { server in
            let (_, servers) = try await server.joinConsumer(room: "r", nodeId: "c")
            #expect(servers.isEmpty)
        }
    }

    @Test func serverListRotatesRoundRobin() async throws {
        try await TestServer.with(authDisabled: true) { server in
            for nodeId in ["a", "b", "c"] { _ = try await server.joinNormal(room: "r", nodeId: nodeId) }
            var lists: [[String]] = []
            for index in 0..<4 {
                lists.append(try await server.joinConsumer(room: "r", nodeId: "consumer-\(index)").1)
            }
            #expect(lists == [["a", "b", "c"], ["b", "c", "a"], ["c", "a", "b"], ["a", "b", "c"]])
            // Rotation is per room.
            _ = try await server.joinNormal(room: "s", nodeId: "x")
            _ = try await server.joinNormal(room: "s", nodeId: "y")
            #expect(try await server.joinConsumer(room: "s", nodeId: "c").1 == ["x", "y"])
            #expect(try await server.joinConsumer(room: "r", nodeId: "consumer-4").1 == ["b", "c", "a"])
        }
    }

    @Test func heartbeatUpdatesSessionsCapacityAndServeConsumers() async throws {
        try await TestServer.with(authDisabled: true) { server in
            let (peer, _) = try await server.joinNormal(room: "r", nodeId: "p", register: ["capacity": 2])
            var consumers = 0
            func servers() async throws -> [String] {
                consumers += 1
                return try await server.joinConsumer(room: "r", nodeId: "c\(consumers)").1
            }
            /// Sends a heartbeat and waits until the server has applied it (heartbeats get no reply).
            func heartbeat(_ fields: [String: Any]) async throws {
                var frame: [String: Any] = ["type": "heartbeat"]
                frame.merge(fields) { $1 }
                try await peer.send(json: frame)
                #expect(try await peer.barrier().isEmpty, "a heartbeat has no reply")
            }

            #expect(try await servers() == ["p"])
            try await heartbeat(["load": ["sessions": 2]])
            #expect(try await servers() == [])
            try await heartbeat(["capacity": 3])
            #expect(try await servers() == ["p"])
            try await heartbeat(["serveConsumers": false, "load": ["sessions": 0]])
            #expect(try await servers() == [])
            try await heartbeat(["serveConsumers": true])
            #expect(try await servers() == ["p"])
            try await heartbeat(["load": ["sessions": 3]])
            #expect(try await servers() == [])
            // An empty heartbeat changes nothing.
            try await heartbeat([:])
            #expect(try await servers() == [])
        }
    }

    @Test func heartbeatFromAConsumerOrPendingSocketIsIgnored() async throws {
        try await TestServer.with(authDisabled: true) { server in
            _ = try await server.joinNormal(room: "r", nodeId: "p")
            let (consumer, _) = try await server.joinConsumer(room: "r", nodeId: "c")
            try await consumer.send(json: ["type": "heartbeat", "serveConsumers": true, "capacity": 5])
            #expect(try await consumer.barrier().isEmpty)
            let pending = try await server.connect(["room": "r", "nodeId": "q"])
            try await pending.send(json: ["type": "heartbeat", "serveConsumers": false])
            #expect(try await pending.barrier().isEmpty)
            // The consumer did not become a server; the pending socket registers with defaults.
            try await pending.register()
            #expect(try await pending.nextJSON()["peers"] as? [String] == ["p"])
            #expect(try await server.joinConsumer(room: "r", nodeId: "c2").1 == ["p", "q"])
        }
    }

    @Test func consumerToConsumerIsNeverRelayed() async throws {
        try await TestServer.with(authDisabled: true) { server in
            let (normal, _) = try await server.joinNormal(room: "r", nodeId: "n")
            let (first, _) = try await server.joinConsumer(room: "r", nodeId: "c1")
            let (second, _) = try await server.joinConsumer(room: "r", nodeId: "c2")

            try await first.send(json: ["type": "offer", "to": "c2", "sdp": "consumer-to-consumer"])
            try await first.send(json: ["type": "ice-candidate", "to": "c2", "candidate": "c"])
            // No error either (the JS server drops these silently).
            #expect(try await first.barrier().isEmpty)
            // Both were handled before this one; c2's first frame is the normal peer's.
            try await first.relay(to: "n", via: normal)
            let next = try await normal.relay(to: "c2", via: second)
            #expect(next["from"] as? String == "n")
        }
    }

    @Test func consumerAndNormalRelayBothWays() async throws {
        try await TestServer.with(authDisabled: true) { server in
            let (normal, _) = try await server.joinNormal(room: "r", nodeId: "n")
            let (consumer, _) = try await server.joinConsumer(room: "r", nodeId: "c")
            let offer = try await consumer.relay(to: "n", via: normal)
            #expect(offer["from"] as? String == "c")
            #expect(offer["fromRole"] as? String == "consumer")
            try await normal.send(json: ["type": "answer", "to": "c", "sdp": "answer"])
            let answer = try await consumer.nextJSON()
            #expect(answer["type"] as? String == "answer")
            #expect(answer["from"] as? String == "n")
            #expect(answer["fromRole"] as? String == "normal")
        }
    }

    @Test func relayToAPendingSocketIsDelivered() async throws {
        try await TestServer.with { server in
            let pending = try await server.connect(["token": server.token(subject: "r"), "nodeId": "pending"])
            let (alice, peers) = try await server.joinNormal(room: "r", nodeId: "alice")
            #expect(peers.isEmpty)
            let offer = try await alice.relay(to: "pending", via: pending)
            #expect(offer["from"] as? String == "alice")
        }
    }

    @Test func senderFieldsAreSetByTheServer() async throws {
        try await TestServer.with { server in
            let (alice, _) = try await server.joinNormal(room: "r", nodeId: "alice")
            let (bob, _) = try await server.joinNormal(room: "r", nodeId: "bob")
            let sent = #"{"from":"mallory","type":"offer","fromRole":"consumer","to":"alice","sdp":"v=0","from":"eve"}"#
            try await bob.send(sent)
            let text = try await alice.nextText()
            let received = try Wire.object(text)
            #expect(received["from"] as? String == "bob")
            #expect(received["fromRole"] as? String == "normal")
            #expect(received["sdp"] as? String == "v=0")
            #expect(received["to"] as? String == "alice")
            // Exactly one of each, however many the client sent.
            #expect(text.components(separatedBy: #""from":"#).count == 2)
            #expect(text.components(separatedBy: #""fromRole":"#).count == 2)
        }
    }

    @Test(arguments: ["offer", "answer", "ice-candidate"])
    func payloadPassesThroughUnchanged(_ type: String) async throws {
        try await TestServer.with { server in
            let (alice, _) = try await server.joinNormal(room: "r", nodeId: "alice")
            let (bob, _) = try await server.joinNormal(room: "r", nodeId: "bob")
            let sent =
                #"{"type":"\#(type)", "to":"alice","sdp":"v=0\r\no=- 46117 2 IN IP4 127.0.0.1\r\n","#
                + #""candidate":{"candidate":"candidate:1 1 udp 2122260223 10.0.0.1 54321 typ host","sdpMid":"0","sdpMLineIndex":0},"#
                + #""nested":{"a":[1,2.5,-3e2,true,false,null,"\u00e9\"\\"]},"unicode":"ünï 🎉","big":12345678901234567890}"#
            try await bob.send(sent)
            let text = try await alice.nextText()
            // The client's bytes follow the server's sender fields unchanged.
            #expect(text == #"{"from":"bob","fromRole":"normal","# + sent.dropFirst())
            var expected = try Wire.object(sent)
            expected["from"] = "bob"
            expected["fromRole"] = "normal"
            #expect(try Wire.canonical(Wire.object(text)) == Wire.canonical(expected))
        }
    }

    @Test func payloadPassesThroughWhenSenderFieldsAreStripped() async throws {
        try await TestServer.with { server in
            let (alice, _) = try await server.joinNormal(room: "r", nodeId: "alice")
            let (bob, _) = try await server.joinNormal(room: "r", nodeId: "bob")
            let sent: [String: Any] = [
                "type": "ice-candidate", "to": "alice", "from": "mallory", "fromRole": "normal",
                "candidate": ["candidate": "candidate:1 1 udp 1 10.0.0.1 1 typ host", "sdpMid": "0", "sdpMLineIndex": 0],
                "extra": ["deep": [["x": 1], "y"]],
            ]
            try await bob.send(json: sent)
            var expected = sent
            expected["from"] = "bob"
            let received = try await alice.nextJSON()
            #expect(try Wire.canonical(received) == Wire.canonical(expected))
        }
    }

    @Test func laterRegistersAreIgnored() async throws {
        try await TestServer.with(authDisabled: true) { server in
            let (alice, _) = try await server.joinNormal(room: "r", nodeId: "alice")
            try await alice.register(["role": "consumer"])
            try await alice.register(["role": "normal", "serveConsumers": false])
            #expect(try await alice.barrier().isEmpty, "no second peer-list or server-list")
            // Still a normal peer that serves consumers.
            let (_, peers) = try await server.joinNormal(room: "r", nodeId: "bob")
            #expect(peers == ["alice"])
            let (consumer, servers) = try await server.joinConsumer(room: "r", nodeId: "c")
            #expect(servers.first == "alice" && Set(servers) == ["alice", "bob"])
            let offer = try await alice.relay(to: "c", via: consumer)
            #expect(offer["fromRole"] as? String == "normal")
        }
    }
}
