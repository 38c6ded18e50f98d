import Foundation
import Signaling
import Testing

/// One test per acceptance rule of SPEC § Room tokens. Every refused token differs from an
/// accepted one in exactly the rule under test, and is otherwise properly signed.
@Suite struct TokenVerifierTests {
    static let now = 1_700_000_000
    let now = Date(timeIntervalSince1970: TimeInterval(Self.now))
    let key = RFC8037.privateKey
    let verifier = TokenVerifier(publicKey: RFC8037.keyPair.publicKey, issuer: Claims.issuer, audience: Claims.audience)

    static let jsHeader = #"{"alg":"EdDSA"}"#
    /// The claims the JS server writes, in its order, expiring in an hour.
    static func jsClaims(
        sub: String = #""room-1""#, iss: String = #""\#(Claims.issuer)""#, aud: String = #""\#(Claims.audience)""#,
        exp: String? = "\(now + 3_600)", extra: String = ""
    ) -> String {
        var members = [#""sub":\#(sub)"#, #""iat":\#(now)"#, #""iss":\#(iss)"#, #""aud":\#(aud)"#]
        if let exp { members.append(#""exp":\#(exp)"#) }
        if !extra.isEmpty { members.append(extra) }
        return "{" + members.joined(separator: ",") + "}"
    }

    func token(header: String = jsHeader, claims: String = jsClaims()) -> String {
        compactJWS(header: header, payload: claims, key: key)
    }

    func expect(_ token: String, refusedWith error: TokenError, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(throws: error, sourceLocation: sourceLocation) { try verifier.verify(token, now: now) }
    }

    // MARK: Accepted

    @Test func acceptsAJSServerToken() throws {
        let token = token()
        #expect(decodedSegment(token, 0) == ["alg": .string("EdDSA")])
        let claims = try verifier.verify(token, now: now)
        #expect(claims.subject == "room-1")
        #expect(claims.issuer == Claims.issuer)
        #expect(claims.audience == [Claims.audience])
        #expect(claims.expiresAt == now.addingTimeInterval(3_600))
        #expect(claims.issuedAt == now)
        #expect(claims.notBefore == nil)
        #expect(claims.tokenID == nil)
    }

    @Test func refusesAJSServerTokenWithoutExpiry() {
        expect(token(claims: Self.jsClaims(exp: nil)), refusedWith: .missingExpiry)
    }

    @Test func ignoresUnknownHeaderMembersAndClaims() throws {
        let header = #"{"alg":"EdDSA","typ":"JWT","kid":"anything","cty":"x"}"#
        let claims = try verifier.verify(token(header: header, claims: Self.jsClaims(extra: #""role":"admin""#)), now: now)
        #expect(claims.subject == "room-1")
    }

    // MARK: Algorithm

    @Test(arguments: [
        #"{"alg":"none"}"#, #"{"alg":"HS256"}"#, #"{"alg":"ES256"}"#, #"{"alg":"RS256"}"#, #"{"alg":"Ed25519"}"#,
        #"{"alg":"eddsa"}"#, #"{"alg":"EdDSA "}"#, #"{"alg":["EdDSA"]}"#, #"{"alg":null}"#, #"{"typ":"JWT"}"#,
    ])
    func refusesAnyAlgorithmButEdDSA(_ header: String) {
        // Signed with the right key, so only `alg` is wrong.
        expect(token(header: header), refusedWith: .unsupportedAlgorithm)
    }

    @Test(arguments: [#"{"alg":"EdDSA","crit":["exp"],"exp":1}"#, #"{"alg":"EdDSA","crit":[]}"#, #"{"alg":"EdDSA","crit":null}"#])
    func refusesACriticalHeader(_ header: String) {
        // Signed with the right key: only `crit` is wrong (SPEC v3).
        expect(token(header: header), refusedWith: .criticalHeader)
    }

    @Test func refusesAnUnsignedAlgNoneToken() {
        // The classic attack leaves the signature segment empty.
        let header = Base64.encode(Array(#"{"alg":"none"}"#.utf8))
        let payload = Base64.encode(Array(Self.jsClaims().utf8))
        expect("\(header).\(payload).", refusedWith: .malformed)
    }

    // MARK: Signature

    @Test func refusesATamperedPayload() throws {
        let original = token().split(separator: ".").map(String.init)
        let forged = Base64.encode(Array(Self.jsClaims(sub: #""room-2""#).utf8))
        expect("\(original[0]).\(forged).\(original[2])", refusedWith: .badSignature)
    }

    @Test func refusesATamperedHeader() throws {
        let original = token().split(separator: ".").map(String.init)
        let forged = Base64.encode(Array(#"{"alg":"EdDSA","kid":"x"}"#.utf8))
        expect("\(forged).\(original[1]).\(original[2])", refusedWith: .badSignature)
    }

    @Test(arguments: [0, 31, 32, 63])
    func refusesATamperedSignature(_ byte: Int) throws {
        let original = token().split(separator: ".").map(String.init)
        let signature = try #require(Base64.decode(original[2]))
        let tampered = Base64.encode(signature.flippingBit(0, ofByte: byte))
        expect("\(original[0]).\(original[1]).\(tampered)", refusedWith: .badSignature)
    }

    @Test func refusesAnotherKeysToken() throws {
        let otherKey = try #require(Ed25519PrivateKey(seed: [UInt8](hex: "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")))
        expect(compactJWS(header: Self.jsHeader, payload: Self.jsClaims(), key: otherKey), refusedWith: .badSignature)
    }

    @Test func refusesATokenSignedOverDifferentBytes() throws {
        // A valid signature of the payload alone, not of `header.payload`.
        let payload = Base64.encode(Array(Self.jsClaims().utf8))
        let header = Base64.encode(Array(Self.jsHeader.utf8))
        let signature = Base64.encode(key.signature(for: Array(payload.utf8)))
        expect("\(header).\(payload).\(signature)", refusedWith: .badSignature)
    }

    // MARK: Encoding

    @Test func refusesAPaddedSegment() throws {
        // Claims whose encoding needs padding, signed over the padded segment: only the "=" is wrong.
        let claims = try #require(["", #""p":1"#, #""p":12"#].map { Self.jsClaims(extra: $0) }.first { $0.utf8.count % 3 != 0 })
        let padded = Base64.encode(Array(claims.utf8), variant: .urlSafe)
        try #require(padded.hasSuffix("="))
        let header = Base64.encode(Array(Self.jsHeader.utf8))
        expect(signedToken(headerSegment: header, payloadSegment: padded, key: key), refusedWith: .badEncoding)
        // The signature segment of every token needs "==" when padded.
        expect(token() + "==", refusedWith: .badEncoding)
    }

    @Test(arguments: ["!", " ", "+", "/", "%", "\n", "é"])
    func refusesAStrayCharacter(_ stray: String) {
        let header = Base64.encode(Array(Self.jsHeader.utf8))
        let payload = Base64.encode(Array(Self.jsClaims().utf8))
        let middle = payload.index(payload.startIndex, offsetBy: payload.count / 2)
        let strayPayload = String(payload[..<middle]) + stray + String(payload[middle...])
        expect(signedToken(headerSegment: header, payloadSegment: strayPayload, key: key), refusedWith: .badEncoding)
    }

    @Test func refusesWhitespaceAroundTheToken() {
        expect(token() + "\n", refusedWith: .badEncoding)
        expect(" " + token(), refusedWith: .badEncoding)
    }

    @Test func refusesNonCanonicalTrailingBitsInTheSignature() throws {
        // 64 bytes take 86 characters; the last carries 2 bits and 4 unused ones. Setting an
        // unused bit keeps the decoded bytes for a lenient decoder, so only strictness refuses it.
        let token = token()
        let last = try #require(token.last)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let value = try #require(alphabet.firstIndex(of: last))
        try #require(value % 16 == 0)
        expect(String(token.dropLast()) + String(alphabet[value + 1]), refusedWith: .badEncoding)
    }

    @Test func refusesANonJSONHeaderOrPayload() {
        expect(token(header: "not json"), refusedWith: .badJSON)
        expect(token(header: #"["EdDSA"]"#), refusedWith: .badJSON)
        expect(token(claims: #"["room-1"]"#), refusedWith: .badJSON)
        expect(token(claims: #"{"sub":"room-1","#), refusedWith: .badJSON)
    }

    // MARK: Shape

    @Test func refusesTheWrongNumberOfSegments() {
        let segments = token().split(separator: ".").map(String.init)
        expect(segments[0] + "." + segments[1], refusedWith: .malformed)
        expect(segments.joined(separator: ".") + "." + segments[2], refusedWith: .malformed)
        expect(segments[0], refusedWith: .malformed)
        expect("", refusedWith: .malformed)
        expect(segments[0] + ".." + segments[2], refusedWith: .malformed)
        expect("." + segments[1] + "." + segments[2], refusedWith: .malformed)
    }

    @Test func acceptsUpTo4KiBAndNoMore() throws {
        /// A properly signed token of exactly `length` bytes, found by growing an extra claim and
        /// padding the header with spaces (base64 cannot reach every length from one segment).
        func token(ofLength length: Int) -> String? {
            for spaces in 0...2 {
                let header = #"{"alg":"EdDSA""# + String(repeating: " ", count: spaces) + "}"
                for count in 2_800...3_100 {
                    let claims = Self.jsClaims(extra: #""pad":"\#(String(repeating: "p", count: count))""#)
                    let candidate = self.token(header: header, claims: claims)
                    if candidate.utf8.count == length { return candidate }
                }
            }
            return nil
        }
        let limit = TokenVerifier.maximumTokenBytes
        #expect(limit == 4_096)
        let exact = try #require(token(ofLength: limit))
        #expect(try verifier.verify(exact, now: now).subject == "room-1")
        expect(try #require(token(ofLength: limit + 1)), refusedWith: .oversize)
        expect(self.token(claims: Self.jsClaims(extra: #""pad":"\#(String(repeating: "p", count: 10_000))""#)), refusedWith: .oversize)
    }

    // MARK: Time

    @Test func refusesAnExpiredToken() {
        expect(token(claims: Self.jsClaims(exp: "\(Self.now)")), refusedWith: .expired)
        expect(token(claims: Self.jsClaims(exp: "\(Self.now - 1)")), refusedWith: .expired)
        expect(token(claims: Self.jsClaims(exp: "0")), refusedWith: .expired)
    }

    @Test func acceptsATokenThatExpiresAfterNow() throws {
        #expect(try verifier.verify(token(claims: Self.jsClaims(exp: "\(Self.now + 1)")), now: now).subject == "room-1")
        // NumericDate may carry a fraction (RFC 7519 § 2).
        #expect(try verifier.verify(token(claims: Self.jsClaims(exp: "\(Self.now).5")), now: now).subject == "room-1")
    }

    @Test(arguments: [#""123""#, "true", "null", #"{"t":1}"#, "[\(now + 3_600)]", #""\#(now + 3_600)""#])
    func refusesANonNumericExpiry(_ exp: String) {
        expect(token(claims: Self.jsClaims(exp: exp)), refusedWith: .missingExpiry)
    }

    @Test func refusesANotBeforeInTheFuture() {
        expect(token(claims: Self.jsClaims(extra: #""nbf":\#(Self.now + 1)"#)), refusedWith: .notYetValid)
        expect(token(claims: Self.jsClaims(extra: #""nbf":"\#(Self.now - 1)""#)), refusedWith: .notYetValid)
    }

    @Test func acceptsANotBeforeInThePast() throws {
        let past = try verifier.verify(token(claims: Self.jsClaims(extra: #""nbf":\#(Self.now - 60)"#)), now: now)
        #expect(past.notBefore == now.addingTimeInterval(-60))
        let present = try verifier.verify(token(claims: Self.jsClaims(extra: #""nbf":\#(Self.now)"#)), now: now)
        #expect(present.notBefore == now)
    }

    // MARK: Issuer, audience, subject

    @Test(arguments: [#""aikofy:client-db-sync2""#, #""Aikofy:client-db-sync""#, #""""#, "null", "1", #"["aikofy:client-db-sync"]"#])
    func refusesTheWrongIssuer(_ iss: String) {
        expect(token(claims: Self.jsClaims(iss: iss)), refusedWith: .wrongIssuer)
    }

    @Test func refusesAMissingIssuer() {
        let claims = #"{"sub":"room-1","aud":"\#(Claims.audience)","exp":\#(Self.now + 3_600)}"#
        expect(token(claims: claims), refusedWith: .wrongIssuer)
    }

    @Test(arguments: [#""aikofy:client""#, #""""#, "null", "7", "[]", #"["other","another"]"#, #"[["aikofy:client-db"]]"#])
    func refusesTheWrongAudience(_ aud: String) {
        expect(token(claims: Self.jsClaims(aud: aud)), refusedWith: .wrongAudience)
    }

    @Test func refusesAMissingAudience() {
        let claims = #"{"sub":"room-1","iss":"\#(Claims.issuer)","exp":\#(Self.now + 3_600)}"#
        expect(token(claims: claims), refusedWith: .wrongAudience)
    }

    @Test func acceptsAnAudienceArrayThatContainsTheAudience() throws {
        let claims = try verifier.verify(token(claims: Self.jsClaims(aud: #"["other","\#(Claims.audience)"]"#)), now: now)
        #expect(claims.audience == ["other", Claims.audience])
    }

    @Test(arguments: [#""""#, "42", "null", "true", #"["room-1"]"#, #"{"room":1}"#])
    func refusesABadSubject(_ sub: String) {
        expect(token(claims: Self.jsClaims(sub: sub)), refusedWith: .invalidSubject)
    }

    @Test func refusesAMissingSubject() {
        let claims = #"{"iss":"\#(Claims.issuer)","aud":"\#(Claims.audience)","exp":\#(Self.now + 3_600)}"#
        expect(token(claims: claims), refusedWith: .invalidSubject)
    }

    @Test func errorsDescribeDistinctProblems() {
        let all: [TokenError] = [
            .oversize, .malformed, .badEncoding, .badJSON, .forbiddenAlgorithm, .unsupportedAlgorithm, .algorithmNotAllowed,
            .criticalHeader, .unknownKeyID, .noKeyForAlgorithm, .badSignature, .missingExpiry, .expired, .notYetValid,
            .wrongIssuer, .wrongAudience, .invalidSubject,
        ]
        #expect(Set(all.map(\.description)).count == all.count)
    }
}
