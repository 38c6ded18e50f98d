import Foundation
import NIOWebSocket
import SignalServer
import Testing

/// SPEC § Roles and frames: what the server does with bad input, and the frame-level rules
/// (binary, size, fragmentation, UTF-8).
@Suite struct FrameRuleTests {
    struct BadInput: Sendable, CustomTestStringConvertible {
        let name: String
        let text: String
        var testDescription: String { name }
    }

    static let badInputs: [BadInput] = [
        BadInput(name: "malformed JSON", text: #"{"type":"offer","to":"bob""#),
        BadInput(name: "empty text", text: ""),
        BadInput(name: "null", text: "null"),
        BadInput(name: "array", text: #"[{"type":"offer","to":"bob"}]"#),
        BadInput(name: "number", text: "42"),
        BadInput(name: "string", text: #""offer""#),
        BadInput(name: "huge top-level number", text: "1e999999"),
        BadInput(name: "missing type", text: #"{"to":"bob","sdp":"x"}"#),
        BadInput(name: "non-string type", text: #"{"type":5,"to":"bob"}"#),
        BadInput(name: "null type", text: #"{"type":null,"to":"bob"}"#),
        BadInput(name: "unknown type", text: #"{"type":"bogus","to":"bob"}"#),
        BadInput(name: "missing to", text: #"{"type":"offer","sdp":"x"}"#),
        BadInput(name: "non-string to", text: #"{"type":"offer","to":["bob"]}"#),
        BadInput(name: "deep nesting", text: #"{"type":"offer","to":"bob","x":"# + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}"),
        BadInput(name: "trailing garbage", text: #"{"type":"offer","to":"bob"} x"#),
        BadInput(name: "huge register capacity", text: #"{"type":"register","capacity":1e999999}"#),
        BadInput(name: "huge heartbeat sessions", text: #"{"type":"heartbeat","load":{"sessions":1e999999}}"#),
        BadInput(name: "bad register role", text: #"{"type":"register","role":"admin"}"#),
    ]

    @Test(arguments: badInputs)
    func badInputEarnsBadMessageAndTheSocketStaysOpen(_ input: BadInput) async throws {
        try await TestServer.with { server in
            let (alice, _) = try await server.joinNormal(room: "r", nodeId: "alice")
            let (bob, _) = try await server.joinNormal(room: "r", nodeId: "bob")
            try await alice.send(input.text)
            let reply = try await alice.nextJSON()
            #expect(reply["type"] as? String == "error")
            #expect(reply["code"] as? String == "BAD_MESSAGE")
            #expect((reply["message"] as? String)?.isEmpty == false)
            // Nothing reached bob, and alice can still relay both ways.
            let offer = try await alice.relay(to: "bob", via: bob)
            #expect(offer["from"] as? String == "alice")
            try await bob.relay(to: "alice", via: alice)
        }
    }

    @Test func badInputBeforeRegisterLeavesTheSocketRegistrable() async throws {
        try await TestServer.with { server in
            let socket = try await server.connect(["token": server.token(subject: "r"), "nodeId": "n"])
            try await socket.send("null")
            try await socket.expectError("BAD_MESSAGE")
            try await socket.send(#"{"type":"register","capacity":"lots"}"#)
            try await socket.expectError("BAD_MESSAGE")
            try await socket.register()
            #expect(try await socket.nextJSON()["type"] as? String == "peer-list")
        }
    }

    @Test func relayBeforeRegisterIsRefused() async throws {
        try await TestServer.with { server in
            let (alice, _) = try await server.joinNormal(room: "r", nodeId: "alice")
            let pending = try await server.connect(["token": server.token(subject: "r"), "nodeId": "pending"])
            for type in ["offer", "answer", "ice-candidate"] {
                try await pending.send(json: ["type": type, "to": "alice"])
                try await pending.expectError("NOT_REGISTERED")
            }
            // Nothing reached alice: the next thing she gets is the now-registered peer's offer.
            try await pending.register()
            _ = try await pending.nextJSON()
            let offer = try await pending.relay(to: "alice", via: alice)
            #expect(offer["from"] as? String == "pending")
        }
    }

    @Test func relayToAnUnknownPeerIsRefused() async throws {
        try await TestServer.with { server in
            let (alice, _) = try await server.joinNormal(room: "r", nodeId: "alice")
            try await alice.send(json: ["type": "offer", "to": "ghost", "sdp": "x"])
            try await alice.expectError("PEER_NOT_FOUND", "Peer ghost is not connected")
            try await alice.send(json: ["type": "ice-candidate", "to": "", "candidate": "x"])
            try await alice.expectError("PEER_NOT_FOUND", "Peer  is not connected")
        }
    }

    // MARK: - Frame-level rules: each closes only the offending socket

    /// Runs `offend` on a third socket in a room where alice and bob are registered, then
    /// checks that alice and bob still relay both ways.
    func withBystanders(
        _ configure: @escaping (inout SignalConfiguration) -> Void = { _ in },
        _ offend: (TestServer, TestSocket) async throws -> Void
    ) async throws {
        try await TestServer.with(configure) { server in
            let (alice, _) = try await server.joinNormal(room: "r", nodeId: "alice")
            let (bob, _) = try await server.joinNormal(room: "r", nodeId: "bob")
            let (offender, _) = try await server.joinNormal(room: "r", nodeId: "offender")
            try await offend(server, offender)
            try await offender.waitForDisconnect()
            try await server.awaitHealth { peers, rooms in peers == 2 && rooms == 1 }
            try await alice.relay(to: "bob", via: bob)
            try await bob.relay(to: "alice", via: alice)
            try await alice.send(json: ["type": "offer", "to": "offender"])
            try await alice.expectError("PEER_NOT_FOUND")
        }
    }

    @Test func binaryFrameCloses1003() async throws {
        try await withBystanders { _, offender in
            try await offender.send(bytes: Array(#"{"type":"offer","to":"alice"}"#.utf8), opcode: .binary)
            try await offender.expectClose(1003)
        }
    }

    @Test func oversizeTextFrameCloses1009() async throws {
        try await withBystanders({ $0.maxMessageBytes = 1024 }) { _, offender in
            // At the limit is fine...
            let prefix = #"{"type":"offer","to":"ghost","sdp":""#
            let exact = prefix + String(repeating: "x", count: 1024 - prefix.utf8.count - 2) + #""}"#
            #expect(exact.utf8.count == 1024)
            try await offender.send(exact)
            try await offender.expectError("PEER_NOT_FOUND")
            // ...one byte more is not.
            try await offender.send(prefix + String(repeating: "x", count: 1024 - prefix.utf8.count - 1) + #""}"#)
            try await offender.expectClose(1009)
        }
    }

    @Test func fragmentedTextIsReassembledAndRelayed() async throws {
        try await TestServer.with({ $0.maxMessageBytes = 1024 }) { server in
            let (alice, _) = try await server.joinNormal(room: "r", nodeId: "alice")
            let (bob, _) = try await server.joinNormal(room: "r", nodeId: "bob")
            // 1500 bytes in 3 fragments (each under the limit, the whole too big for one frame
            // were the limit lower); "é" is split across a fragment boundary.
            let message = Array(#"{"type":"offer","to":"alice","sdp":"é","pad":""#.utf8)
                + Array(repeating: UInt8(ascii: "y"), count: 900) + Array(#""}"#.utf8)
            let split = message.firstIndex(of: 0xC3)! + 1
            try await bob.send(bytes: Array(message[..<split]), opcode: .text, fin: false)
            try await bob.send(bytes: Array(message[split..<(split + 400)]), opcode: .continuation, fin: false)
            try await bob.send(bytes: Array(message[(split + 400)...]), opcode: .continuation, fin: true)
            let offer = try await alice.nextJSON()
            #expect(offer["from"] as? String == "bob")
            #expect(offer["sdp"] as? String == "é")
            #expect((offer["pad"] as? String)?.count == 900)
            // And the socket goes on with ordinary frames.
            try await bob.relay(to: "alice", via: alice)
        }
    }

    @Test func fragmentedTextOverTheLimitCloses1009() async throws {
        try await withBystanders({ $0.maxMessageBytes = 1024 }) { _, offender in
            let chunk = Array(repeating: UInt8(ascii: " "), count: 600)
            try await offender.send(bytes: Array(#"{"type":"offer","to":"alice","pad":""#.utf8), opcode: .text, fin: false)
            try await offender.send(bytes: chunk, opcode: .continuation, fin: false)
            try await offender.send(bytes: chunk, opcode: .continuation, fin: true)
            try await offender.expectClose(1009)
        }
    }

    @Test func invalidUTF8Closes1007() async throws {
        try await withBystanders { _, offender in
            try await offender.send(bytes: [0xFF, 0xFE, 0x7B, 0x7D])
            try await offender.expectClose(1007)
        }
    }

    @Test func invalidUTF8InsideAStringCloses1007() async throws {
        try await withBystanders { _, offender in
            // Well-formed JSON apart from a lone continuation byte in the payload.
            let bytes = Array(#"{"type":"offer","to":"alice","sdp":""#.utf8) + [0x80] + Array(#""}"#.utf8)
            try await offender.send(bytes: bytes)
            try await offender.expectClose(1007)
        }
    }

    @Test func invalidUTF8AcrossFragmentsCloses1007() async throws {
        try await withBystanders { _, offender in
            // A truncated two-byte sequence at the end of the reassembled message.
            try await offender.send(bytes: Array(#"{"type":"offer","to":"alice","sdp":""#.utf8), opcode: .text, fin: false)
            try await offender.send(bytes: [0xC3, 0x22, 0x7D], opcode: .continuation, fin: true)
            try await offender.expectClose(1007)
        }
    }
}

extension FrameRuleTests {
    @Test func continuationWithoutAMessageCloses1002() async throws {
        try await withBystanders { _, offender in
            try await offender.send(bytes: Array(#"{"type":"offer","to":"alice"}"#.utf8), opcode: .continuation, fin: true)
            try await offender.expectClose(1002)
        }
    }

    @Test func controlFramesMayInterleaveWithFragments() async throws {
        try await TestServer.with { server in
            let (alice, _) = try await server.joinNormal(room: "r", nodeId: "alice")
            let (bob, _) = try await server.joinNormal(room: "r", nodeId: "bob")
            try await bob.send(bytes: Array(#"{"type":"offer","#.utf8), opcode: .text, fin: false)
            try await bob.send(bytes: [], opcode: .ping)
            try await bob.send(bytes: Array(#""to":"alice","sdp":"split"}"#.utf8), opcode: .continuation, fin: true)
            let offer = try await alice.nextJSON()
            #expect(offer["sdp"] as? String == "split")
            #expect(offer["from"] as? String == "bob")
        }
    }
}

extension FrameRuleTests {
    /// RFC 6455 § 7.4: a client's close code is echoed only when a client may send it; 1005,
    /// 1006, 1015 and codes below 1000 or in 1016–2999 are answered 1002, as is a one-byte payload.
    @Test(arguments: [
        ([0x03, 0xE8], UInt16(1000)), ([0x0F, 0xA0], 4000), ([0x03, 0xED], 1002), ([0x03, 0xEE], 1002), ([0x00, 0x01], 1002),
        ([0x0B, 0xB7], 1002), ([0x03], 1002),
    ] as [([UInt8], UInt16)])
    func clientCloseCodesAreCheckedBeforeTheyAreEchoed(payload: [UInt8], reply: UInt16) async throws {
        try await withBystanders { _, offender in
            try await offender.send(bytes: payload, opcode: .connectionClose)
            try await offender.expectClose(reply)
        }
    }
}
