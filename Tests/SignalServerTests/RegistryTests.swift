import Foundation
import Testing

/// SPEC § WebSocket `/signal`, Registry: keys, replacement, 4409, rooms.
@Suite struct RegistryTests {
    @Test func sameNodeIdReplacesTheOldSocket() async throws {
        try await TestServer.with { server in
            let (oldAlice, _) = try await server.joinNormal(room: "r", nodeId: "alice")
            let (bob, _) = try await server.joinNormal(room: "r", nodeId: "bob")
            let (newAlice, newAlicePeers) = try await server.joinNormal(room: "r", nodeId: "alice")
            #expect(newAlicePeers == ["bob"])

            try await oldAlice.expectClose(1000, "replaced by new connection")
            // The old socket's close has completed: only the two live sockets are counted...
            try await oldAlice.waitForDisconnect()
            try await server.awaitHealth { peers, rooms in peers == 2 && rooms == 1 }

            // ...and it did not take the new one with it: relays reach the new socket, and a
            // newcomer lists alice (in her original place).
            try await bob.relay(to: "alice", via: newAlice)
            let (carol, carolPeers) = try await server.joinNormal(room: "r", nodeId: "carol")
            #expect(carolPeers == ["alice", "bob"])
            try await carol.relay(to: "alice", via: newAlice)
            try await newAlice.relay(to: "carol", via: carol)
        }
    }

    @Test func replacingAPendingSocketWorksToo() async throws {
        try await TestServer.with { server in
            let pending = try await server.connect(["token": server.token(subject: "r"), "nodeId": "alice"])
            let (alice, _) = try await server.joinNormal(room: "r", nodeId: "alice")
            try await pending.expectClose(1000, "replaced by new connection")
            let (bob, peers) = try await server.joinNormal(room: "r", nodeId: "bob")
            #expect(peers == ["alice"])
            try await bob.relay(to: "alice", via: alice)
        }
    }

    @Test func tokenlessSocketCannotTakeARegisteredMembersNodeId() async throws {
        try await TestServer.with { server in
            let (alice, _) = try await server.joinNormal(room: "r", nodeId: "alice")
            let (bob, _) = try await server.joinNormal(room: "r", nodeId: "bob")
            let intruder = try await server.connect(["room": "r", "nodeId": "alice"])
            try await intruder.expectClose(4409, "nodeId already in use")
            try await intruder.waitForDisconnect()

            // Alice is unaffected: still reachable, still listed, not closed.
            try await bob.relay(to: "alice", via: alice)
            try await alice.relay(to: "bob", via: bob)
            let (_, peers) = try await server.joinNormal(room: "r", nodeId: "carol")
            #expect(peers == ["alice", "bob"])
            try await server.awaitHealth { peers, rooms in peers == 3 && rooms == 1 }
            #expect(try await alice.barrier().isEmpty)
        }
    }

    @Test func noDeliveryAcrossRooms() async throws {
        try await TestServer.with { server in
            let (alice, _) = try await server.joinNormal(room: "r1", nodeId: "alice")
            let (carol, _) = try await server.joinNormal(room: "r1", nodeId: "carol")
            let (bob, bobPeers) = try await server.joinNormal(room: "r2", nodeId: "bob")
            #expect(bobPeers.isEmpty)

            try await bob.send(json: ["type": "offer", "to": "alice", "sdp": "cross-room"])
            try await bob.expectError("PEER_NOT_FOUND", "Peer alice is not connected")
            // Bob's offer has been handled; what reaches alice next is carol's.
            let next = try await carol.relay(to: "alice", via: alice)
            #expect(next["from"] as? String == "carol")
        }
    }

    @Test func roomsAreCreatedOnJoinAndDroppedWhenEmpty() async throws {
        try await TestServer.with { server in
            let initial = try await server.health()
            #expect(initial.peers == 0 && initial.rooms == 0)
            let (a1, _) = try await server.joinNormal(room: "r1", nodeId: "a1")
            try await server.awaitHealth { peers, rooms in peers == 1 && rooms == 1 }
            let (a2, _) = try await server.joinNormal(room: "r1", nodeId: "a2")
            try await server.awaitHealth { peers, rooms in peers == 2 && rooms == 1 }
            // A pending socket already holds its room.
            let pending = try await server.connect(["token": server.token(subject: "r2"), "nodeId": "b"])
            try await server.awaitHealth { peers, rooms in peers == 3 && rooms == 2 }

            await pending.drop()
            try await server.awaitHealth { peers, rooms in peers == 2 && rooms == 1 }
            await a1.drop()
            try await server.awaitHealth { peers, rooms in peers == 1 && rooms == 1 }
            await a2.drop()
            try await server.awaitHealth { peers, rooms in peers == 0 && rooms == 0 }

            // The room comes back when someone joins it again, empty of the old members.
            let (_, peers) = try await server.joinNormal(room: "r1", nodeId: "a3")
            #expect(peers.isEmpty)
            try await server.awaitHealth { peers, rooms in peers == 1 && rooms == 1 }
        }
    }
}
