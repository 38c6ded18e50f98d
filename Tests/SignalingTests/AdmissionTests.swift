import Foundation
import Signaling
import Testing

/// Admission decisions (SPEC § WebSocket): the room and nodeId a request gets, and the 4400 rule
/// of SPEC v3 on whichever path they came by.
@Suite struct AdmissionDecisionTests {
    let verifier = TokenVerifier(publicKey: RFC8037.keyPair.publicKey, issuer: Claims.issuer, audience: Claims.audience)

    func token(subject: String) -> String {
        TokenIssuer(keys: RFC8037.keyPair, issuer: Claims.issuer, audience: Claims.audience)
            .issue(subject: subject, timeToLive: TimeToLive(seconds: 600)).token
    }

    @Test func identifiersOf1To256BytesWithoutControlCharactersAreAdmitted() {
        for value in ["a", String(repeating: "é", count: 128), "room with spaces", "ünïcødé-👋"] {
            guard case .admit(value, value, true, _) = Admission.decide(Admission.Request(room: value, nodeId: value), verifier: nil) else {
                Issue.record("\(value) must be admitted")
                continue
            }
        }
    }

    @Test(arguments: ["", String(repeating: "x", count: 257), String(repeating: "é", count: 129), "line\nbreak", "nul\u{0}", "del\u{7F}", "c1\u{85}"])
    func anythingElseIsRefused4400OnEveryPath(_ bad: String) {
        // auth off, token-less consumer path, and with a token (nodeId from the query).
        #expect(Admission.decide(Admission.Request(room: "r", nodeId: bad), verifier: nil) == .refuse(.invalidRoomOrNodeId))
        #expect(Admission.decide(Admission.Request(room: "r", nodeId: bad), verifier: verifier) == .refuse(.invalidRoomOrNodeId))
        #expect(Admission.decide(Admission.Request(token: token(subject: "r"), nodeId: bad), verifier: verifier) == .refuse(.invalidRoomOrNodeId))
        if !bad.isEmpty {
            #expect(Admission.decide(Admission.Request(room: bad), verifier: nil) == .refuse(.invalidRoomOrNodeId))
        }
    }

    @Test func aTokenSubjectOver256BytesIsRefused4400() {
        let long = String(repeating: "s", count: 300)
        #expect(Admission.decide(Admission.Request(token: token(subject: long)), verifier: verifier) == .refuse(.invalidRoomOrNodeId))
    }
}
