import Signaling
import Testing

/// The in-process room directory: keys, replacement, registration, rotation, routing and
/// identity-aware removal.
@Suite struct RoomRegistryTests {
    let registry = RoomRegistry()

    @Test func admissionCreatesTheRoomAndAProvenSocketReplacesAnyHolder() {
        let first = IdentityPeer()
        let second = IdentityPeer()
        guard case .admitted(nil) = registry.admit(first, room: "r", nodeId: "n", proven: true) else {
            Issue.record("the first socket is admitted with nothing to replace")
            return
        }
        _ = registry.registerNormal(first, room: "r", nodeId: "n", serveConsumers: true, capacity: nil)
        guard case .admitted(let replaced?) = registry.admit(second, room: "r", nodeId: "n", proven: true) else {
            Issue.record("a proven socket replaces a registered holder")
            return
        }
        #expect(replaced === first)
        #expect(registry.roomCount == 1 && registry.memberCount == 1)
        // The replaced socket can no longer register, and its late removal changes nothing.
        #expect(registry.registerNormal(first, room: "r", nodeId: "n", serveConsumers: true, capacity: nil) == .notHolder)
        #expect(!registry.remove(first, room: "r", nodeId: "n"))
        #expect(registry.memberCount == 1)
    }

    @Test func anUnprovenSocketReplacesOnlyAPendingHolder() {
        let pending = IdentityPeer()
        _ = registry.admit(pending, room: "r", nodeId: "n", proven: false)
        let next = IdentityPeer()
        guard case .admitted(let replaced?) = registry.admit(next, room: "r", nodeId: "n", proven: false) else {
            Issue.record("a pending holder may be replaced")
            return
        }
        #expect(replaced === pending)
        _ = registry.registerConsumer(next, room: "r", nodeId: "n")
        guard case .nodeIdInUse = registry.admit(IdentityPeer(), room: "r", nodeId: "n", proven: false) else {
            Issue.record("a registered holder may not be replaced without proof")
            return
        }
    }

    @Test func anUnprovenSocketNeverReplacesAProvenOneEvenPending() {
        let victim = IdentityPeer()
        _ = registry.admit(victim, room: "r", nodeId: "n", proven: true)
        guard case .nodeIdInUse = registry.admit(IdentityPeer(), room: "r", nodeId: "n", proven: false) else {
            Issue.record("a token-less socket may not take a pending key admitted with a token (SPEC v3)")
            return
        }
        guard case .deliver(let holder) = registry.route(from: .normal, room: "r", to: "n") else {
            Issue.record("the proven holder keeps the key")
            return
        }
        #expect(holder === victim)
    }

    @Test func aPendingUnprovenSocketReceivesNoRelayUntilItRegisters() {
        let squatter = IdentityPeer()
        _ = registry.admit(squatter, room: "r", nodeId: "offline", proven: false)
        guard case .peerNotFound = registry.route(from: .normal, room: "r", to: "offline") else {
            Issue.record("a token-less pending socket must not receive relays")
            return
        }
        _ = registry.registerConsumer(squatter, room: "r", nodeId: "offline")
        guard case .deliver = registry.route(from: .normal, room: "r", to: "offline") else {
            Issue.record("once registered (a consumer proves itself at register) it receives")
            return
        }
    }

    @Test func aFullRoomRefusesNewKeysButNotReplacements() {
        let small = RoomRegistry(maximumPeersPerRoom: 2)
        let first = IdentityPeer()
        _ = small.admit(first, room: "r", nodeId: "a", proven: true)
        _ = small.admit(IdentityPeer(), room: "r", nodeId: "b", proven: true)
        guard case .roomFull = small.admit(IdentityPeer(), room: "r", nodeId: "c", proven: true) else {
            Issue.record("a third key in a room of two is refused")
            return
        }
        guard case .admitted(let replaced?) = small.admit(IdentityPeer(), room: "r", nodeId: "a", proven: true) else {
            Issue.record("a replacement takes no new place")
            return
        }
        #expect(replaced === first)
        guard case .admitted = small.admit(IdentityPeer(), room: "other", nodeId: "c", proven: true) else {
            Issue.record("the limit is per room")
            return
        }
        #expect(small.memberCount == 3)
    }

    @Test func peerListsHoldTheOtherRegisteredNormalPeersInAdmissionOrder() {
        let peers = (0..<4).map { _ in IdentityPeer() }
        for (index, peer) in peers.enumerated() {
            _ = registry.admit(peer, room: "r", nodeId: "p\(index)", proven: true)
        }
        #expect(registry.registerNormal(peers[2], room: "r", nodeId: "p2", serveConsumers: true, capacity: nil) == .listed([]))
        _ = registry.registerConsumer(peers[3], room: "r", nodeId: "p3")
        #expect(registry.registerNormal(peers[0], room: "r", nodeId: "p0", serveConsumers: true, capacity: nil) == .listed(["p2"]))
        // p1 is still pending: not listed.
        #expect(registry.registerNormal(peers[1], room: "r", nodeId: "p1", serveConsumers: false, capacity: nil) == .listed(["p0", "p2"]))
    }

    @Test func serverListsRotateAndRespectServeConsumersAndCapacity() {
        let servers = (0..<3).map { _ in IdentityPeer() }
        for (index, server) in servers.enumerated() {
            _ = registry.admit(server, room: "r", nodeId: "s\(index)", proven: true)
        }
        _ = registry.registerNormal(servers[0], room: "r", nodeId: "s0", serveConsumers: true, capacity: 2)
        _ = registry.registerNormal(servers[1], room: "r", nodeId: "s1", serveConsumers: true, capacity: nil)
        _ = registry.registerNormal(servers[2], room: "r", nodeId: "s2", serveConsumers: false, capacity: nil)
        #expect(consumerList("c0") == ["s0", "s1"])
        #expect(consumerList("c1") == ["s1", "s0"])
        #expect(consumerList("c2") == ["s0", "s1"])
        registry.heartbeat(servers[0], room: "r", nodeId: "s0", Heartbeat(sessions: 2))
        registry.heartbeat(servers[2], room: "r", nodeId: "s2", Heartbeat(serveConsumers: true))
        #expect(consumerList("c3") == ["s2", "s1"])
    }

    @Test func heartbeatsCountOnlyFromRegisteredNormalPeersWithTheKey() {
        let server = IdentityPeer()
        _ = registry.admit(server, room: "r", nodeId: "s", proven: true)
        // Pending: ignored.
        registry.heartbeat(server, room: "r", nodeId: "s", Heartbeat(serveConsumers: false))
        _ = registry.registerNormal(server, room: "r", nodeId: "s", serveConsumers: true, capacity: nil)
        // Another socket speaking for the key: ignored.
        registry.heartbeat(IdentityPeer(), room: "r", nodeId: "s", Heartbeat(serveConsumers: false))
        #expect(consumerList("c") == ["s"])
    }

    @Test func routesReachPendingAndRegisteredSocketsButNeverConsumerToConsumer() {
        let pending = IdentityPeer()
        _ = registry.admit(pending, room: "r", nodeId: "pending", proven: true)
        let consumer = IdentityPeer()
        _ = registry.admit(consumer, room: "r", nodeId: "consumer", proven: false)
        _ = registry.registerConsumer(consumer, room: "r", nodeId: "consumer")
        guard case .deliver(let target) = registry.route(from: .normal, room: "r", to: "pending") else {
            Issue.record("a pending socket receives relays")
            return
        }
        #expect(target === pending)
        guard case .deliver = registry.route(from: .normal, room: "r", to: "consumer"),
            case .refused = registry.route(from: .consumer, room: "r", to: "consumer"),
            case .peerNotFound = registry.route(from: .normal, room: "r", to: "nobody"),
            case .peerNotFound = registry.route(from: .normal, room: "other", to: "pending")
        else {
            Issue.record("normal → consumer delivers, consumer → consumer is refused, unknown targets are not found")
            return
        }
    }

    @Test func theLastRemovalDropsTheRoom() {
        let peer = IdentityPeer()
        _ = registry.admit(peer, room: "r", nodeId: "n", proven: true)
        #expect(registry.remove(peer, room: "r", nodeId: "n"))
        #expect(registry.roomCount == 0 && registry.memberCount == 0)
        #expect(!registry.remove(peer, room: "r", nodeId: "n"))
    }

    private func consumerList(_ nodeId: String) -> [String]? {
        let consumer = IdentityPeer()
        _ = registry.admit(consumer, room: "r", nodeId: nodeId, proven: false)
        guard case .listed(let servers) = registry.registerConsumer(consumer, room: "r", nodeId: nodeId) else { return nil }
        return servers
    }
}
