import Foundation
import SignalServer
import Signaling
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

/// SPEC v3: what a client with no credential can no longer do, and the room and identifier limits.
extension RegistryTests {
    @Test func tokenlessSocketCannotTakeAPendingNodeIdAdmittedWithAToken() async throws {
        try await TestServer.with { server in
            // The victim is between its upgrade and its register (one round trip).
            let victim = try await server.connect(["token": server.token(subject: "r"), "nodeId": "victim"])
            try await server.awaitHealth { peers, _ in peers == 1 }
            let squatter = try await server.connect(["room": "r", "nodeId": "victim"])
            try await squatter.expectClose(4409, "nodeId already in use")
            // The victim was not kicked: it registers and receives what is sent to it.
            try await victim.register()
            #expect(try await victim.nextJSON()["type"] as? String == "peer-list")
            let (sender, _) = try await server.joinNormal(room: "r", nodeId: "sender")
            try await sender.relay(to: "victim", via: victim)
        }
    }

    @Test func aPendingTokenlessSquatterReceivesNothingAndTheSenderIsTold() async throws {
        // The squatter never registers: its 3 s deadline must not end the test on a loaded machine.
        try await TestServer.with({
            $0.registerTimeout = TimeToLive(seconds: 60)
            $0.tokenlessRegisterTimeout = TimeToLive(seconds: 60)
        }) { server in
            let squatter = try await server.connect(["room": "r", "nodeId": "offline"])
            try await server.awaitHealth { peers, _ in peers == 1 }
            let (sender, _) = try await server.joinNormal(room: "r", nodeId: "sender")
            try await sender.send(json: ["type": "ice-candidate", "to": "offline", "candidate": "candidate:1 1 udp 1 192.0.2.1 9 typ host"])
            try await sender.expectError("PEER_NOT_FOUND", "Peer offline is not connected")
            #expect(try await squatter.barrier().isEmpty)
        }
    }

    @Test func aRoomAtItsMaximumClosesTheNewcomer4429AndNobodyElse() async throws {
        try await TestServer.with({ $0.maxPeersPerRoom = 2 }) { server in
            let (alice, _) = try await server.joinNormal(room: "r", nodeId: "alice")
            let (bob, _) = try await server.joinNormal(room: "r", nodeId: "bob")
            let carol = try await server.connect(["token": server.token(subject: "r"), "nodeId": "carol"])
            try await carol.expectClose(4429, "room is full")
            try await alice.relay(to: "bob", via: bob)
            // Another room is not affected, and a replacement takes no new place.
            let (_, others) = try await server.joinNormal(room: "r2", nodeId: "carol")
            #expect(others.isEmpty)
            let (again, peers) = try await server.joinNormal(room: "r", nodeId: "alice")
            #expect(peers == ["bob"])
            try await bob.relay(to: "alice", via: again)
        }
    }

    @Test func roomsAndNodeIdsOver256BytesOrWithControlCharactersAreClosed4400() async throws {
        try await TestServer.with { server in
            for query in [
                ["token": server.token(subject: "r"), "nodeId": String(repeating: "n", count: 257)],
                ["room": "r", "nodeId": "tab\there"],
                ["room": String(repeating: "r", count: 1_000)],
            ] {
                let socket = try await server.connect(query)
                try await socket.expectClose(4400, "invalid room or nodeId")
            }
            try await server.awaitHealth { peers, rooms in peers == 0 && rooms == 0 }
        }
    }
}
