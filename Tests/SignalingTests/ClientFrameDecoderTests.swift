@testable import Signaling
import Testing

/// `ClientFrameDecoder`: the typed frames it builds and each `BAD_MESSAGE` reason (SPEC § Roles
/// and frames).
@Suite struct ClientFrameDecoderTests {
    static func decode(_ bytes: [UInt8]) throws(ClientFrameError) -> ClientFrame {
        var result: Result<ClientFrame, ClientFrameError> = .failure(.invalidUTF8)
        bytes.withUnsafeBytes { buffer in
            do throws(ClientFrameError) {
                result = .success(try ClientFrameDecoder.decode(buffer))
            } catch {
                result = .failure(error)
            }
        }
        return try result.get()
    }

    static func decode(_ text: String) throws(ClientFrameError) -> ClientFrame { try decode(Array(text.utf8)) }

    static func relay(_ kind: RelayEnvelope.Kind, to target: String, carriesSenderFields: Bool = false) -> ClientFrame {
        .relay(RelayEnvelope(kind: kind, target: target, carriesSenderFields: carriesSenderFields))
    }

    // MARK: Relays

    @Test(arguments: [("offer", RelayEnvelope.Kind.offer), ("answer", .answer), ("ice-candidate", .iceCandidate)])
    func decodesEachRelayType(type: String, kind: RelayEnvelope.Kind) throws {
        let frame = try Self.decode(#"{"type":"\#(type)","to":"bob","sdp":"v=0\r\n","candidate":{"x":[1,2]}}"#)
        #expect(frame == Self.relay(kind, to: "bob"))
    }

    @Test func notesAClientSuppliedFromOrFromRole() throws {
        #expect(try Self.decode(#"{"type":"offer","to":"b","from":"mallory"}"#) == Self.relay(.offer, to: "b", carriesSenderFields: true))
        #expect(try Self.decode(#"{"fromRole":"normal","type":"offer","to":"b"}"#) == Self.relay(.offer, to: "b", carriesSenderFields: true))
        // Escaped keys are what JSON.parse reads them as.
        #expect(try Self.decode(#"{"type":"offer","to":"b","fr\u006fm":1}"#) == Self.relay(.offer, to: "b", carriesSenderFields: true))
        // Only top-level members count.
        #expect(try Self.decode(#"{"type":"offer","to":"b","sdp":{"from":"x"}}"#) == Self.relay(.offer, to: "b"))
        #expect(try Self.decode(#"{"type":"offer","to":"b","From":"x","from_":"y"}"#) == Self.relay(.offer, to: "b"))
    }

    @Test func laterDuplicatesWin() throws {
        #expect(try Self.decode(#"{"type":"offer","to":"a","to":"b"}"#) == Self.relay(.offer, to: "b"))
        #expect(try Self.decode(#"{"type":"register","type":"answer","to":"a"}"#) == Self.relay(.answer, to: "a"))
        #expect(try Self.decode(#"{"type":"offer","type":"register"}"#) == .register(Registration()))
        #expect(throws: ClientFrameError.badMessage(#""to" must be a string"#)) {
            try Self.decode(#"{"type":"offer","to":"a","to":1}"#)
        }
    }

    @Test func decodesEscapedTypeAndTarget() throws {
        #expect(try Self.decode(#"{"t\u0079pe":"\u006fffer","to":"b"}"#) == Self.relay(.offer, to: "b"))
        #expect(try Self.decode(#"{"type":"offer","to":"a\"b\\c\u00e9"}"#) == Self.relay(.offer, to: "a\"b\\cé"))
        #expect(try Self.decode(#"{"type":"offer","to":"\ud83d\ude00"}"#) == Self.relay(.offer, to: "😀"))
        #expect(try Self.decode(#"{"type":"offer","to":"ünïcødé"}"#) == Self.relay(.offer, to: "ünïcødé"))
    }

    @Test func relaysANumberOutOfRangeUntouched() throws {
        // Only register and heartbeat build values; a relay passes its payload through.
        #expect(try Self.decode(#"{"type":"offer","to":"b","n":1e999999}"#) == Self.relay(.offer, to: "b"))
    }

    // MARK: Register and heartbeat

    @Test func decodesRegisterWithDefaultsAndEveryField() throws {
        #expect(try Self.decode(#"{"type":"register"}"#) == .register(Registration()))
        #expect(
            try Self.decode(#"{"type":"register","role":null,"serveConsumers":null,"capacity":null,"token":null}"#)
                == .register(Registration()))
        #expect(
            try Self.decode(#"{"type":"register","role":"consumer","serveConsumers":false,"capacity":2.5,"token":"t.t.t","nodeId":"x"}"#)
                == .register(Registration(role: .consumer, serveConsumers: false, capacity: 2.5, token: "t.t.t")))
        #expect(try Self.decode(#"{"type":"register","capacity":0}"#) == .register(Registration(capacity: 0)))
    }

    @Test func decodesHeartbeatFields() throws {
        #expect(try Self.decode(#"{"type":"heartbeat"}"#) == .heartbeat(Heartbeat()))
        #expect(
            try Self.decode(#"{"type":"heartbeat","load":{"sessions":3},"serveConsumers":true,"capacity":8}"#)
                == .heartbeat(Heartbeat(sessions: 3, serveConsumers: true, capacity: 8)))
        #expect(try Self.decode(#"{"type":"heartbeat","load":{}}"#) == .heartbeat(Heartbeat()))
        #expect(try Self.decode(#"{"type":"heartbeat","load":null}"#) == .heartbeat(Heartbeat()))
    }

    // MARK: BAD_MESSAGE

    @Test(arguments: [
        ("{", "message is not valid JSON"),
        ("", "message is not valid JSON"),
        ("{\"type\":\"offer\",}", "message is not valid JSON"),
        ("{\"type\":\"offer\",\"to\":\"b\"} trailing", "message is not valid JSON"),
        ("{\"type\":\"offer\",\"to\":\"b\u{01}\"}", "message is not valid JSON"),
        ("null", "message must be a JSON object"),
        ("[]", "message must be a JSON object"),
        ("[{\"type\":\"offer\",\"to\":\"b\"}]", "message must be a JSON object"),
        ("\"offer\"", "message must be a JSON object"),
        ("42", "message must be a JSON object"),
        ("{}", "\"type\" must be a string"),
        ("{\"type\":1,\"to\":\"b\"}", "\"type\" must be a string"),
        ("{\"type\":null}", "\"type\" must be a string"),
        ("{\"type\":[\"offer\"]}", "\"type\" must be a string"),
        ("{\"Type\":\"offer\",\"to\":\"b\"}", "\"type\" must be a string"),
        ("{\"type\":\"hello\"}", "unknown message type"),
        ("{\"type\":\"Offer\",\"to\":\"b\"}", "unknown message type"),
        ("{\"type\":\"\"}", "unknown message type"),
        ("{\"type\":\"peer-list\"}", "unknown message type"),
        ("{\"type\":\"offer\"}", "\"to\" must be a string"),
        ("{\"type\":\"answer\",\"to\":5}", "\"to\" must be a string"),
        ("{\"type\":\"ice-candidate\",\"to\":null}", "\"to\" must be a string"),
        ("{\"type\":\"register\",\"role\":\"admin\"}", "\"role\" must be \"normal\" or \"consumer\""),
        ("{\"type\":\"register\",\"role\":1}", "\"role\" must be \"normal\" or \"consumer\""),
        ("{\"type\":\"register\",\"serveConsumers\":\"yes\"}", "\"serveConsumers\" must be a boolean"),
        ("{\"type\":\"register\",\"capacity\":-1}", "\"capacity\" must be a non-negative number"),
        ("{\"type\":\"register\",\"capacity\":\"5\"}", "\"capacity\" must be a non-negative number"),
        ("{\"type\":\"register\",\"token\":42}", "\"token\" must be a string"),
        ("{\"type\":\"register\",\"capacity\":1e999999}", "message holds a number out of range"),
        ("{\"type\":\"heartbeat\",\"load\":5}", "\"load\" must be an object"),
        ("{\"type\":\"heartbeat\",\"load\":{\"sessions\":-2}}", "\"load.sessions\" must be a non-negative number"),
        ("{\"type\":\"heartbeat\",\"serveConsumers\":1}", "\"serveConsumers\" must be a boolean"),
        ("{\"type\":\"heartbeat\",\"capacity\":true}", "\"capacity\" must be a non-negative number"),
    ])
    func refusesWithTheReason(text: String, reason: String) {
        #expect(throws: ClientFrameError.badMessage(reason)) { try Self.decode(text) }
    }

    // MARK: UTF-8

    @Test(arguments: [
        [0xFF], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC0, 0xAF], [0xE2, 0x82],
    ] as [[UInt8]])
    func refusesInvalidUTF8AnywhereAsInvalidUTF8(sequence: [UInt8]) {
        // Inside a string (the scanner sees it) and outside one (only the whole-frame check does).
        let inString = Array(#"{"type":"offer","to":"b","sdp":""#.utf8) + sequence + Array(#""}"#.utf8)
        let outside = Array(#"{"type":"offer","to":"b"}"#.utf8) + sequence
        let asKey = Array(#"{"type":"offer","to":"b",""#.utf8) + sequence + Array(#"":1}"#.utf8)
        for bytes in [inString, outside, asKey, sequence] {
            #expect(throws: ClientFrameError.invalidUTF8) { try Self.decode(bytes) }
        }
    }
}
