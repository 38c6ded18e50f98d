import Foundation
import NIOCore
import Signaling
import Testing

/// TURN REST API credentials: the HMAC against Python's `hmac` module, expiry arithmetic, the cap
/// at the holder's token expiry, the JSON shape, and `TURN_URLS` validation.
@Suite struct TurnCredentialTests {
    let urls = [try! TurnServerURL("turn:127.0.0.1:3478?transport=udp"), try! TurnServerURL("stun:127.0.0.1:3478")]
    let now = Date(timeIntervalSince1970: 1_800_000_000.7)

    @Test func theCredentialMatchesPythonsHMACSHA1() throws {
        let issuer = TurnCredentialIssuer(secret: "s3cret-shared-with-coturn", urls: urls)
        let credentials = issuer.credentials(for: "alice", now: now)
        #expect(credentials.username == "1800003600:alice")
        let script = "import base64,hmac,hashlib,sys; print(base64.b64encode(hmac.new(sys.argv[1].encode(), sys.argv[2].encode(), hashlib.sha1).digest()).decode())"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, "s3cret-shared-with-coturn", credentials.username]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "python3 is needed for this independent vector")
        #expect(credentials.credential == String(decoding: printed, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(credentials.credential.count == 28)  // 20 bytes in base64
    }

    @Test func expiryIsNowPlusTheTimeToLiveCappedByTheTokenExpiry() {
        let issuer = TurnCredentialIssuer(secret: "secret", urls: urls, timeToLive: TimeToLive(seconds: 600))
        let plain = issuer.credentials(for: "n", now: now)
        #expect(plain.username == "1800000600:n" && plain.ttl == 600)
        let capped = issuer.credentials(for: "n", now: now, notAfter: now.addingTimeInterval(120))
        #expect(capped.username == "1800000120:n" && capped.ttl == 120)
        let later = issuer.credentials(for: "n", now: now, notAfter: now.addingTimeInterval(3600))
        #expect(later.ttl == 600)
        let expired = issuer.credentials(for: "n", now: now, notAfter: now.addingTimeInterval(-5))
        #expect(expired.ttl == 0)
        // Another secret, another credential; another nodeId, another username.
        #expect(TurnCredentialIssuer(secret: "other", urls: urls, timeToLive: TimeToLive(seconds: 600)).credentials(for: "n", now: now).credential != plain.credential)
        #expect(issuer.credentials(for: "m", now: now).credential != plain.credential)
    }

    @Test func theJSONIsAnRTCIceServer() throws {
        var buffer = ByteBuffer()
        IceServer(urls: ["turn:h:1", "stun:h"], username: "1:a\"b", credential: "c+/=", ttl: 60).writeJSON(into: &buffer)
        let object = try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any]
        #expect(object?["username"] as? String == "1:a\"b")
        #expect(object?["credential"] as? String == "c+/=")
        #expect(object?["ttl"] as? Int == 60)
        #expect(object?["urls"] as? [String] == ["turn:h:1", "stun:h"])
    }

    @Test(arguments: [
        "stun:stun.example.org", "stun:127.0.0.1:3478", "turn:turn.example.org:3478?transport=udp", "turn:[::1]:3478?transport=tcp",
        "turns:turn.example.org:5349?transport=tcp", "TURN:Host-1.example", "turn:[2001:db8::1]",
    ])
    func validURLsAreAccepted(_ text: String) throws {
        let url = try TurnServerURL(text)
        #expect(url.description.lowercased() == text.lowercased())
    }

    @Test(arguments: [
        ("http://example.org", TurnServerURLError.unknownScheme("http://example.org")),
        ("turn", .unknownScheme("turn")),
        ("turn:", .badHost("turn:")),
        ("turn:exa mple.org", .badHost("turn:exa mple.org")),
        ("turn:-bad.org", .badHost("turn:-bad.org")),
        ("turn:[::1", .badHost("turn:[::1")),
        ("turn:[]:3478", .badHost("turn:[]:3478")),
        ("turn:host:0", .badPort("turn:host:0")),
        ("turn:host:65536", .badPort("turn:host:65536")),
        ("turn:host:", .badPort("turn:host:")),
        ("turn:host:34x", .badPort("turn:host:34x")),
        ("turn:host?transport=sctp", .badQuery("turn:host?transport=sctp")),
        ("stun:host?transport=udp", .badQuery("stun:host?transport=udp")),
    ])
    func invalidURLsAreRefused(_ text: String, _ error: TurnServerURLError) {
        #expect(throws: error) { try TurnServerURL(text) }
    }
}
