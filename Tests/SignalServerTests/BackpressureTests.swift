import Foundation
import SignalServer
import Signaling
import Testing

/// SPEC § Roles and frames: a socket whose queued outbound data stays over `MAX_OUTBOUND_BYTES`
/// is closed 1008 `slow consumer`, and the rest of the room carries on.
@Suite struct BackpressureTests {
    @Test func peerThatDoesNotReadIsClosedAsSlowConsumer() async throws {
        try await TestServer.with({
            $0.maxOutboundBytes = 64 * 1024
            // The flood is what this test is about: MESSAGE_RATE would end it first.
            $0.messageRate = Rate(1_000_000, per: TimeToLive(seconds: 1))
        }) { server in
            let (slow, _) = try await server.joinNormal(room: "r", nodeId: "slow")
            let (sender, _) = try await server.joinNormal(room: "r", nodeId: "sender")
            let (carol, _) = try await server.joinNormal(room: "r", nodeId: "carol")
            let (dave, _) = try await server.joinNormal(room: "r", nodeId: "dave")
            try await slow.pauseReading()

            let sdp = String(repeating: "a=candidate:0 1 UDP 2122252543 10.0.0.1 50000 typ host\\r\\n", count: 25)
            let offer = #"{"type":"offer","to":"slow","sdp":"\#(sdp)"}"#
            #expect(offer.utf8.count > 1_400 && offer.utf8.count < 1_600)
            // Flood the slow peer until the server gives up on it: the sender's offers then
            // come back PEER_NOT_FOUND. The kernel buffers take a few MB before the server's
            // own queue grows, hence the bound.
            var sent = 0
            var refused = false
            while !refused {
                try #require(sent < 40_000, "the slow peer was never closed")
                try await sender.send(texts: Array(repeating: offer, count: 200))
                sent += 200
                let replies = try await sender.barrier()
                #expect(replies.allSatisfy { $0["code"] as? String == "PEER_NOT_FOUND" }, "\(replies.prefix(1))")
                refused = !replies.isEmpty
                // The others relay all along.
                try await carol.relay(to: "dave", via: dave)
            }

            // Read again at once, well inside the server's close-handshake timeout: the 1008
            // close waits behind the queued offers, and a plain disconnect instead fails here.
            try await slow.resumeReading()
            let close = try await slow.nextClose(within: 30)
            #expect(close.code == 1008)
            #expect(close.reason == "slow consumer")

            try await dave.relay(to: "carol", via: carol)
            try await sender.relay(to: "carol", via: carol)
            let (_, peers) = try await server.joinNormal(room: "r", nodeId: "late")
            #expect(peers == ["sender", "carol", "dave"])
            try await server.awaitHealth { peers, rooms in peers == 4 && rooms == 1 }
        }
    }
}
