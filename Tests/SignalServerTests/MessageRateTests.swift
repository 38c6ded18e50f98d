import Foundation
import SignalServer
import Signaling
import Testing

/// `MESSAGE_RATE`: a socket over its rate gets one `RATE_LIMITED` error and its extra messages
/// are dropped; one that goes on for another bucketful is closed 1008, and the room carries on.
@Suite struct MessageRateTests {
    @Test func aFloodGetsOneRateLimitedErrorThenIsClosed1008() async throws {
        try await TestServer.with({ $0.messageRate = Rate(10, per: TimeToLive(seconds: 3600)) }) { server in
            let (flooder, _) = try await server.joinNormal(room: "r", nodeId: "flooder")
            let (victim, _) = try await server.joinNormal(room: "r", nodeId: "victim")
            let (carol, _) = try await server.joinNormal(room: "r", nodeId: "carol")
            // `register` took one token: nine offers pass, the tenth and the next ten are dropped.
            try await flooder.send(texts: (0..<9).map { #"{"type":"offer","to":"victim","sdp":"\#($0)"}"# })
            for index in 0..<9 { #expect(try await victim.nextJSON()["sdp"] as? String == "\(index)") }
            try await flooder.send(texts: Array(repeating: #"{"type":"offer","to":"victim","sdp":"over"}"#, count: 10))
            let error = try await flooder.nextJSON()
            #expect(error["type"] as? String == "error" && error["code"] as? String == "RATE_LIMITED", "\(error)")
            // One more past the second allowance: closed, with no second error before it.
            try await flooder.send(#"{"type":"offer","to":"victim","sdp":"last"}"#)
            var texts: [String] = []
            var close: (code: UInt16?, reason: String)?
            while close == nil {
                switch try await flooder.next() {
                case .text(let text): texts.append(text)
                case .close(let code, let reason): close = (code, reason)
                case .ping: continue
                case .disconnected: Issue.record("disconnected without a close frame"); return
                }
            }
            #expect(texts.isEmpty, "\(texts)")
            #expect(close?.code == 1008)
            #expect(close?.reason == "rate limit exceeded")
            // Nothing dropped reached the victim, and the room still relays.
            try await carol.relay(to: "victim", via: victim)
        }
    }

    @Test func theDefaultRateCarriesANegotiationBurst() async throws {
        try await TestServer.with { server in
            let (alice, _) = try await server.joinNormal(room: "r", nodeId: "alice")
            let (bob, _) = try await server.joinNormal(room: "r", nodeId: "bob")
            // An offer and 200 trickled candidates at once: well inside the default burst.
            try await alice.send(texts: (0..<201).map { #"{"type":"ice-candidate","to":"bob","candidate":"\#($0)"}"# })
            for index in 0..<201 { #expect(try await bob.nextJSON()["candidate"] as? String == "\(index)") }
            #expect(try await alice.barrier().isEmpty)
        }
    }
}
