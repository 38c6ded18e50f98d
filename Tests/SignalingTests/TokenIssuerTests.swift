import Foundation
import Signaling
import Testing

@Suite struct TokenIssuerTests {
    let now = Date(timeIntervalSince1970: 1_700_000_000)
    let issuer = TokenIssuer(keys: RFC8037.keyPair, issuer: Claims.issuer, audience: Claims.audience)
    let verifier = TokenVerifier(publicKey: RFC8037.keyPair.publicKey, issuer: Claims.issuer, audience: Claims.audience)

    @Test func issuedTokenVerifiesWithItsClaims() throws {
        let issued = issuer.issue(subject: "room-42", timeToLive: TimeToLive(seconds: 3_600), now: now)
        #expect(issued.expiresAt == now.addingTimeInterval(3_600))
        let claims = try verifier.verify(issued.token, now: now)
        #expect(claims.subject == "room-42")
        #expect(claims.issuer == Claims.issuer)
        #expect(claims.audience == [Claims.audience])
        #expect(claims.expiresAt == issued.expiresAt)
        #expect(claims.issuedAt == now)
        #expect(claims.notBefore == nil)
        let tokenID = try #require(claims.tokenID)
        #expect(UUID(uuidString: tokenID) != nil)
    }

    @Test func headerIsEdDSAJWTWithTheThumbprint() throws {
        let issued = issuer.issue(subject: "room", timeToLive: TimeToLive(seconds: 60), now: now)
        let header = try #require(decodedSegment(issued.token, 0))
        #expect(header == ["alg": .string("EdDSA"), "typ": .string("JWT"), "kid": .string(RFC8037.thumbprint)])
    }

    @Test func payloadHoldsExactlyTheSpecifiedClaims() throws {
        let issued = issuer.issue(subject: "room", timeToLive: TimeToLive(seconds: 60), now: now)
        let payload = try #require(decodedSegment(issued.token, 1))
        #expect(Set(payload.keys) == ["sub", "iss", "aud", "iat", "exp", "jti"])
        #expect(payload["sub"] == .string("room"))
        #expect(payload["iss"] == .string(Claims.issuer))
        #expect(payload["aud"] == .string(Claims.audience), "a single audience is a string, as the JS server writes it")
        #expect(payload["iat"] == .number(1_700_000_000))
        #expect(payload["exp"] == .number(1_700_000_060))
    }

    @Test func numericDatesAreWrittenAsIntegers() throws {
        // JWT libraries read `1700000060.0` too, but the JS server writes integers; so do we.
        let issued = issuer.issue(subject: "room", timeToLive: TimeToLive(seconds: 60), now: now)
        let segment = try #require(issued.token.split(separator: ".").dropFirst().first)
        let text = String(decoding: try #require(Base64.decode(segment)), as: UTF8.self)
        #expect(text.contains(#""exp":1700000060"#))
        #expect(text.contains(#""iat":1700000000"#))
        #expect(!text.contains(".0,") && !text.contains(".0}"))
    }

    @Test func signatureCoversHeaderAndPayload() throws {
        let issued = issuer.issue(subject: "room", timeToLive: TimeToLive(seconds: 60), now: now)
        let segments = issued.token.split(separator: ".").map(String.init)
        try #require(segments.count == 3)
        let signature = try #require(Base64.decode(segments[2]))
        #expect(signature.count == 64)
        #expect(RFC8037.keyPair.publicKey.isValidSignature(signature, for: Array("\(segments[0]).\(segments[1])".utf8)))
    }

    @Test func everyTokenHasItsOwnID() throws {
        let first = try verifier.verify(issuer.issue(subject: "room", timeToLive: TimeToLive(seconds: 60), now: now).token, now: now)
        let second = try verifier.verify(issuer.issue(subject: "room", timeToLive: TimeToLive(seconds: 60), now: now).token, now: now)
        #expect(first.tokenID != nil)
        #expect(first.tokenID != second.tokenID)
    }

    @Test func tokenIDIsALowercaseVersion4UUID() throws {
        let claims = try verifier.verify(issuer.issue(subject: "room", timeToLive: TimeToLive(seconds: 60), now: now).token, now: now)
        let tokenID = try #require(claims.tokenID)
        let uuid = try #require(UUID(uuidString: tokenID))
        #expect(uuid.uuidString.lowercased() == tokenID)
        #expect(tokenID.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12])
        #expect(uuid.uuid.6 >> 4 == 4)
        #expect(uuid.uuid.8 >> 6 == 0b10)
    }

    @Test func expiresExactlyAfterItsTimeToLive() throws {
        let issued = issuer.issue(subject: "room", timeToLive: TimeToLive(seconds: 90), now: now)
        #expect(throws: Never.self) { try verifier.verify(issued.token, now: now.addingTimeInterval(89)) }
        #expect(throws: TokenError.expired) { try verifier.verify(issued.token, now: now.addingTimeInterval(90)) }
    }

    @Test(arguments: [#"quote " and \ backslash"#, "a/b", "ünïcödé 🚪", String(repeating: "r", count: 256), "12345"])
    func subjectsRoundTripVerbatim(_ subject: String) throws {
        let issued = issuer.issue(subject: subject, timeToLive: TimeToLive(seconds: 60), now: now)
        #expect(try verifier.verify(issued.token, now: now).subject == subject)
    }

    @Test func writesTheConfiguredIssuerAndAudience() throws {
        let custom = TokenIssuer(keys: RFC8037.keyPair, issuer: "me", audience: "them")
        let token = custom.issue(subject: "room", timeToLive: TimeToLive(seconds: 60), now: now).token
        let claims = try TokenVerifier(publicKey: RFC8037.keyPair.publicKey, issuer: "me", audience: "them").verify(token, now: now)
        #expect(claims.issuer == "me")
        #expect(claims.audience == ["them"])
        #expect(throws: TokenError.wrongIssuer) { try verifier.verify(token, now: now) }
    }

    @Test func aGeneratedKeyIssuesTokensOnlyItVerifies() throws {
        let keys = SigningKeyPair.generate()
        let token = TokenIssuer(keys: keys, issuer: Claims.issuer, audience: Claims.audience)
            .issue(subject: "room", timeToLive: TimeToLive(seconds: 60), now: now).token
        #expect(decodedSegment(token, 0)?["kid"] == .string(keys.keyID))
        let own = TokenVerifier(publicKey: keys.publicKey, issuer: Claims.issuer, audience: Claims.audience)
        #expect(try own.verify(token, now: now).subject == "room")
        #expect(throws: TokenError.badSignature) { try verifier.verify(token, now: now) }
    }
}
