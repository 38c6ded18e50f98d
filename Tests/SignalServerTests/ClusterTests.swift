import Foundation
import TestServices
import Testing

/// Several instances sharing rooms through Redis (README § Running several instances): real
/// `signal-server` processes, a real `redis-server` and HAProxy with the README's example, all on
/// loopback, started and stopped by each test.
@Suite(.serialized) struct ClusterTests {
    /// Sends every relayed type from `sender` to `receiver` and checks that each arrives stamped.
    private func relayEveryType(from sender: (socket: TestSocket, id: String), to receiver: (socket: TestSocket, id: String)) async throws {
        for type in ["offer", "answer", "ice-candidate"] {
            let marker = UUID().uuidString
            try await sender.socket.send(json: ["type": type, "to": receiver.id, "payload": marker])
            let frame = try await receiver.socket.nextJSON()
            #expect(frame["type"] as? String == type && frame["payload"] as? String == marker, "\(frame)")
            #expect(frame["from"] as? String == sender.id && frame["fromRole"] as? String == "normal", "\(frame)")
        }
    }

    @Test func peersSpreadByTheProxyOverThreeInstancesSeeEachOtherAndRelayBothWays() async throws {
        try await ServerCluster.with { cluster in
            try await HAProxy.with(backends: cluster.instances.map(\.port)) { proxy in
                // Round-robin: three upgrades in a row land on three different instances.
                var peers: [(socket: TestSocket, id: String)] = []
                for id in ["alice", "bob", "carol"] {
                    let (socket, list) = try await cluster.joinNormal(port: proxy.port, room: "spread", nodeId: id)
                    #expect(list == peers.map(\.id), "\(id) sees everyone who joined before, in order")
                    peers.append((socket, id))
                }
                for index in cluster.instances.indices {
                    #expect(try await cluster.get("/health", on: index).json["peers"] as? Int == 1, "one socket on each instance")
                }
                for sender in peers {
                    for receiver in peers where receiver.id != sender.id {
                        try await relayEveryType(from: sender, to: receiver)
                    }
                }
            }
        }
    }

    @Test func aDuplicateNodeIdOnAnotherInstanceReplacesTheOlderSocket() async throws {
        try await ServerCluster.with { cluster in
            let (old, _) = try await cluster.joinNormal(0, room: "dup", nodeId: "n")
            let (watcher, _) = try await cluster.joinNormal(2, room: "dup", nodeId: "watcher")
            let (new, list) = try await cluster.joinNormal(1, room: "dup", nodeId: "n")
            #expect(list == ["watcher"])
            try await old.expectClose(1000, "replaced by new connection")
            // The new socket holds the nodeId everywhere: a relay from a third instance reaches it,
            // and a newcomer lists it once.
            try await relayEveryType(from: (watcher, "watcher"), to: (new, "n"))
            let (_, newcomerList) = try await cluster.joinNormal(0, room: "dup", nodeId: "newcomer")
            #expect(newcomerList == ["watcher", "n"])
        }
    }

    @Test func aTokenlessSocketCannotTakeANodeIdHeldOnAnotherInstance() async throws {
        try await ServerCluster.with(instances: 2) { cluster in
            let (holder, _) = try await cluster.joinNormal(0, room: "held", nodeId: "n")
            let (sender, _) = try await cluster.joinNormal(0, room: "held", nodeId: "sender")
            let intruder = try await cluster.connect(1, ["room": "held", "nodeId": "n"])
            try await intruder.expectClose(4409, "nodeId already in use")
            try await relayEveryType(from: (sender, "sender"), to: (holder, "n"))
        }
    }

    @Test func peersOfAKilledInstanceLeaveEveryListWithinTwicePresenceTTL() async throws {
        try await ServerCluster.with { cluster in
            _ = try await cluster.joinNormal(0, room: "crash", nodeId: "survivor")
            _ = try await cluster.joinNormal(1, room: "crash", nodeId: "doomed-1")
            _ = try await cluster.joinNormal(1, room: "crash", nodeId: "doomed-2")
            let (_, before) = try await cluster.joinNormal(2, room: "crash", nodeId: "witness")
            #expect(before == ["survivor", "doomed-1", "doomed-2"])
            try await cluster.kill(1)
            // Every newcomer's list, on both survivors, is polled until the dead instance's peers are gone.
            var attempt = 0
            var last: [String] = []
            try await poll(within: Double(2 * cluster.presenceTTL), { "the killed instance's peers to leave the lists; last \(last)" }) {
                attempt += 1
                let (socket, list) = try await cluster.joinNormal(attempt % 2 == 0 ? 0 : 2, room: "crash", nodeId: "probe-\(attempt)")
                await socket.drop()
                last = list
                return !list.contains { $0.hasPrefix("doomed") }
            }
            #expect(last.filter { !$0.hasPrefix("probe") } == ["survivor", "witness"])
            for index in [0, 2] {
                try await cluster.awaitCluster(on: index, "two instances") { $0.instances == 2 }
            }
        }
    }

    @Test func withRedisDownLocalRoomsWorkAndOnceItIsBackNoPeerIsLost() async throws {
        try await ServerCluster.with(instances: 2) { cluster in
            let (a1, _) = try await cluster.joinNormal(0, room: "outage", nodeId: "a1")
            let (a2, _) = try await cluster.joinNormal(0, room: "outage", nodeId: "a2")
            let (b1, _) = try await cluster.joinNormal(1, room: "outage", nodeId: "b1")
            await cluster.redis.kill()
            try await cluster.awaitReadiness(503)
            for index in cluster.instances.indices {
                try await cluster.awaitCluster(on: index, "redis disconnected") { $0.redis == "disconnected" }
            }
            // A relay within one instance still goes through; one to another instance is refused.
            try await relayEveryType(from: (a1, "a1"), to: (a2, "a2"))
            try await a1.send(json: ["type": "offer", "to": "b1", "sdp": "x"])
            try await a1.expectError("UNAVAILABLE")

            try await cluster.redis.restart()
            try await cluster.awaitReadiness(200)
            // Every instance re-published its peers into the empty Redis: none is lost.
            let (c1, list) = try await cluster.joinNormal(1, room: "outage", nodeId: "c1")
            #expect(Set(list) == ["a1", "a2", "b1"])
            try await relayEveryType(from: (a1, "a1"), to: (b1, "b1"))
            try await relayEveryType(from: (b1, "b1"), to: (a2, "a2"))
            try await relayEveryType(from: (c1, "c1"), to: (a1, "a1"))
        }
    }

    /// A Redis that stops answering but keeps its sockets open (SIGSTOP: a hung process, a
    /// black-holed network) counts as down once the reply deadline (5 s) passes, and as up again
    /// once it answers, with every peer still listed.
    @Test func aFrozenRedisTurnsReadinessOffUntilItAnswersAgain() async throws {
        try await ServerCluster.with(instances: 2) { cluster in
            let (a1, _) = try await cluster.joinNormal(0, room: "frozen", nodeId: "a1")
            let (a2, _) = try await cluster.joinNormal(0, room: "frozen", nodeId: "a2")
            let (b1, _) = try await cluster.joinNormal(1, room: "frozen", nodeId: "b1")
            cluster.redis.pause()
            try await cluster.awaitReadiness(503)
            try await relayEveryType(from: (a1, "a1"), to: (a2, "a2"))
            try await a1.send(json: ["type": "offer", "to": "b1", "sdp": "x"])
            try await a1.expectError("UNAVAILABLE")

            cluster.redis.resume()
            try await cluster.awaitReadiness(200)
            // Both keys expired while Redis was frozen, so the first instance to refresh reaps
            // the other, perhaps right after that one restored its peers: the reaped instance
            // writes them back, and a newcomer sees every peer.
            try await cluster.awaitNewcomerSeeing(["a1", "a2", "b1"], in: "frozen", on: 1)
            try await relayEveryType(from: (a1, "a1"), to: (b1, "b1"))
            try await relayEveryType(from: (b1, "b1"), to: (a2, "a2"))
        }
    }

    /// An instance that stalls for longer than the TTL (a paused VM, a stopped process) is taken
    /// for dead and its peers leave every list, though its sockets and its Redis connections stay
    /// open; once it runs again it finds itself out of the cluster at its next refresh and writes
    /// its peers back.
    @Test func anInstanceReapedWhileItStalledWritesItsPeersBack() async throws {
        try await ServerCluster.with(instances: 2) { cluster in
            let (a1, _) = try await cluster.joinNormal(0, room: "stall", nodeId: "a1")
            let (b1, _) = try await cluster.joinNormal(1, room: "stall", nodeId: "b1")
            cluster.instances[1].process.signal(SIGSTOP)
            try await cluster.awaitCluster(on: 0, "the stalled instance reaped") { $0.instances == 1 }
            let (gap, list) = try await cluster.joinNormal(0, room: "stall", nodeId: "gap")
            #expect(list == ["a1"])
            await gap.drop()

            cluster.instances[1].process.signal(SIGCONT)
            try await cluster.awaitNewcomerSeeing(["b1"], in: "stall", on: 0)
            try await relayEveryType(from: (a1, "a1"), to: (b1, "b1"))
            try await relayEveryType(from: (b1, "b1"), to: (a1, "a1"))
        }
    }

    @Test func aRevocationOnOneInstanceClosesTheSocketsItMatchesOnEveryInstance() async throws {
        try await ServerCluster.with { cluster in
            let (revoked0, _) = try await cluster.joinNormal(0, room: "doomed-room", nodeId: "x")
            let (revoked2, _) = try await cluster.joinNormal(2, room: "doomed-room", nodeId: "y")
            let (bystander, _) = try await cluster.joinNormal(2, room: "other-room", nodeId: "z")
            let (bystanderPeer, _) = try await cluster.joinNormal(0, room: "other-room", nodeId: "w")
            // Every token of the room issued up to now, whichever instance minted and admitted it.
            let now = Date().addingTimeInterval(1).formatted(.iso8601)
            let answer = try await cluster.postAsAdmin("/revoke", body: #"{"subject":"doomed-room","before":"\#(now)"}"#, on: 1)
            #expect(answer.status == 200 && answer.json["revoked"] as? Bool == true, "\(answer)")
            try await revoked0.expectClose(4003, "Token revoked")
            try await revoked2.expectClose(4003, "Token revoked")
            try await relayEveryType(from: (bystander, "z"), to: (bystanderPeer, "w"))
        }
    }

    @Test func theRoomLimitCountsTheMembersOfEveryInstance() async throws {
        try await ServerCluster.with(environment: ["MAX_PEERS_PER_ROOM": "2"]) { cluster in
            _ = try await cluster.joinNormal(0, room: "small", nodeId: "first")
            _ = try await cluster.joinNormal(1, room: "small", nodeId: "second")
            let third = try await cluster.connect(2, ["token": try await cluster.token(room: "small"), "nodeId": "third"])
            try await third.expectClose(4429, "room is full")
        }
    }

    @Test func healthCountsEveryInstanceAndItsPeers() async throws {
        try await ServerCluster.with { cluster in
            var sockets: [TestSocket] = []
            for (index, id) in [(0, "p1"), (1, "p2"), (1, "p3"), (2, "p4")] {
                sockets.append(try await cluster.joinNormal(index, room: "census", nodeId: id).0)
            }
            for index in cluster.instances.indices {
                try await cluster.awaitCluster(on: index, "3 instances and 4 peers") {
                    $0.instances == 3 && $0.peers == 4 && $0.redis == "connected"
                }
            }
            let health = try await cluster.get("/health", on: 1).json
            #expect(health["peers"] as? Int == 2, "the top-level counts stay this instance's")
            #expect((health["cluster"] as? [String: Any])?["instance"] as? String == "signal-2")
        }
    }
}
