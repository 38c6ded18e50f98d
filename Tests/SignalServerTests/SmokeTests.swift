import Foundation
import Testing

@Suite struct SmokeTests {
    @Test func twoPeersRelayAnOffer() async throws {
        try await TestServer.with { server in
            let (alice, alicePeers) = try await server.joinNormal(room: "r1", nodeId: "alice")
            #expect(alicePeers.isEmpty)
            let (bob, bobPeers) = try await server.joinNormal(room: "r1", nodeId: "bob")
            #expect(bobPeers == ["alice"])
            try await bob.send(json: ["type": "offer", "to": "alice", "sdp": "v=0", "from": "mallory"])
            let offer = try await alice.nextJSON()
            #expect(offer["from"] as? String == "bob")
            #expect(offer["fromRole"] as? String == "normal")
            #expect(offer["sdp"] as? String == "v=0")
            let health = try await server.health()
            #expect(health.peers == 2 && health.rooms == 1)
        }
    }
}
