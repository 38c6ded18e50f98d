import Foundation
import NIOWebSocket
import SignalServer
import Signaling
import TestServices
import Testing

/// Timers, counts, scale and shutdown.
@Suite struct LifecycleTests {
    @Test func unregisteredSocketIsClosedAfterTheRegisterTimeout() async throws {
        try await TestServer.with({ $0.registerTimeout = TimeToLive(seconds: Int(2 * testSlowdown)) }) { server in
            let (member, _) = try await server.joinNormal(room: "r", nodeId: "member")
            let lazy = try await server.connect(["token": server.token(subject: "r"), "nodeId": "lazy"])
            let wouldBeConsumer = try await server.connect(["room": "r", "nodeId": "anonymous"])
            try await lazy.expectClose(4002, "registration timeout")
            try await wouldBeConsumer.expectClose(4002, "registration timeout")
            try await lazy.waitForDisconnect()
            try await wouldBeConsumer.waitForDisconnect()
            try await server.awaitHealth { peers, rooms in peers == 1 && rooms == 1 }

            // The member registered before its timer ran out: it is still open and in the room.
            try await member.send(json: ["type": "offer", "to": "lazy"])
            try await member.expectError("PEER_NOT_FOUND", "Peer lazy is not connected")
            let (other, peers) = try await server.joinNormal(room: "r", nodeId: "other")
            #expect(peers == ["member"])
            try await other.relay(to: "member", via: member)
        }
    }

    /// 1 s, and as many more as a sanitized build is slower: a peer that answers pings must
    /// never look silent because the machine is slow.
    static let pingInterval = TimeToLive(seconds: Int(testSlowdown))

    @Test func serverPingsEveryIntervalAndAnsweringPeersStay() async throws {
        try await TestServer.with({ $0.pingInterval = Self.pingInterval }) { server in
            let (alice, _) = try await server.joinNormal(room: "r", nodeId: "alice")
            let (bob, _) = try await server.joinNormal(room: "r", nodeId: "bob")
            // The third ping only goes out if the check two intervals after joining passed,
            // which it does because the client answered the first pings with pongs.
            var pings = 0
            while pings < 3 {
                let event = try await alice.next()
                #expect(event == .ping)
                if event == .ping { pings += 1 }
            }
            try await bob.relay(to: "alice", via: alice)
            try await alice.relay(to: "bob", via: bob)
        }
    }

    @Test func silentPeerIsDroppedAfterTwoPingIntervals() async throws {
        try await TestServer.with({ $0.pingInterval = Self.pingInterval }) { server in
            let (alice, _) = try await server.joinNormal(room: "r", nodeId: "alice")
            let (silent, _) = try await server.joinNormal(room: "quiet", nodeId: "silent")
            try await silent.pauseReading()
            // The server gives up on it: its room empties.
            try await server.awaitHealth { _, rooms in rooms == 1 }
            try await silent.resumeReading()
            try await silent.expectClose(1001, "ping timeout")
            try await silent.waitForDisconnect()
            try await server.awaitHealth { peers, rooms in peers == 1 && rooms == 1 }
            let (bob, _) = try await server.joinNormal(room: "r", nodeId: "bob")
            try await bob.relay(to: "alice", via: alice)
        }
    }

    @Test func healthCountsSocketsAndRoomsUpAndDown() async throws {
        try await TestServer.with { server in
            try await server.awaitHealth { peers, rooms in peers == 0 && rooms == 0 }
            let (registered, _) = try await server.joinNormal(room: "r1", nodeId: "a")
            let pending = try await server.connect(["room": "r2", "nodeId": "b"])
            // `peers` counts sockets, registered or not.
            try await server.awaitHealth { peers, rooms in peers == 2 && rooms == 2 }
            let refused = try await server.connect(["token": "bad"])
            try await refused.expectClose(4003)
            try await refused.waitForDisconnect()
            try await server.awaitHealth { peers, rooms in peers == 2 && rooms == 2 }

            // A client-initiated close is echoed with its code, then counted out.
            try await registered.send(bytes: [0x03, 0xE8], opcode: .connectionClose)
            try await registered.expectClose(1000)
            try await registered.waitForDisconnect()
            try await server.awaitHealth { peers, rooms in peers == 1 && rooms == 1 }
            await pending.drop()
            try await server.awaitHealth { peers, rooms in peers == 0 && rooms == 0 }
        }
    }

    @Test func twoHundredPeersInOneRoomGetCorrectPeerLists() async throws {
        try await TestServer.with { server in
            var sockets: [TestSocket] = []
            var nodeIds: [String] = []
            var wrongLists = 0
            for index in 0..<200 {
                let nodeId = "peer-\(index)"
                let (socket, peers) = try await server.joinNormal(room: "crowd", nodeId: nodeId)
                if peers != nodeIds { wrongLists += 1 }
                sockets.append(socket)
                nodeIds.append(nodeId)
            }
            #expect(wrongLists == 0)
            try await server.awaitHealth { peers, rooms in peers == 200 && rooms == 1 }
            // Joining sends nothing to the others; everyone is still reachable.
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for socket in sockets {
                    group.addTask { try await socket.barrier().isEmpty }
                }
                for try await quiet in group { #expect(quiet) }
            }
            try await sockets[199].relay(to: "peer-0", via: sockets[0])
            try await sockets[0].relay(to: "peer-199", via: sockets[199])
        }
    }

    @Test func gracefulShutdownClosesEverySocketWith1001() async throws {
        try await TestServer.with { server in
            let (alice, _) = try await server.joinNormal(room: "r", nodeId: "alice")
            let (bob, _) = try await server.joinNormal(room: "r", nodeId: "bob")
            let pending = try await server.connect(["token": server.token(subject: "s"), "nodeId": "p"])
            let wouldBeConsumer = try await server.connect(["room": "t"])
            let sockets = [alice, bob, pending, wouldBeConsumer]
            try await server.awaitHealth { peers, _ in peers == 4 }

            await server.beginShutdown()
            for socket in sockets {
                try await socket.expectClose(1001, "server shutting down")
                try await socket.waitForDisconnect()
            }
            try await server.waitUntilStopped()
            await #expect(throws: (any Error).self) {
                _ = try await server.connect(["room": "r"])
            }
        }
    }
}

extension LifecycleTests {
    @Test func droppedConnectionLeavesItsRoomAtOnce() async throws {
        // Long timers: only the TCP close itself can make the server notice.
        try await TestServer.with({
            $0.registerTimeout = TimeToLive(seconds: 300)
            $0.pingInterval = TimeToLive(seconds: 300)
        }) { server in
            let (alice, _) = try await server.joinNormal(room: "r", nodeId: "alice")
            let (bob, _) = try await server.joinNormal(room: "r", nodeId: "bob")
            let pending = try await server.connect(["token": server.token(subject: "s")])
            try await server.awaitHealth { peers, rooms in peers == 3 && rooms == 2 }
            await bob.drop()
            await pending.drop()
            try await server.awaitHealth { peers, rooms in peers == 1 && rooms == 1 }
            try await alice.send(json: ["type": "offer", "to": "bob"])
            try await alice.expectError("PEER_NOT_FOUND", "Peer bob is not connected")
            let (_, peers) = try await server.joinNormal(room: "r", nodeId: "carol")
            #expect(peers == ["alice"])
        }
    }
}
