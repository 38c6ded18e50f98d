import Foundation
import Signaling
import Testing

/// ``ConsumerTokenVerifier`` against the signed examples of RFC 7515 (known answers from the
/// standard itself), and the structural refusals that need no signer. Tokens from an
/// independent signer are in ``ConsumerInteropTests``.
@Suite struct ConsumerTokenVerifierTests {
    /// One second before the RFC payload's `exp`.
    static let beforeExpiry = Date(timeIntervalSince1970: TimeInterval(RFC7515.expiry - 1))

    static func verifier(
        _ jwk: String, algorithms: [ConsumerAlgorithm] = ConsumerAlgorithm.defaults, issuer: String? = nil, audience: String? = nil
    ) throws -> ConsumerTokenVerifier {
        ConsumerTokenVerifier(
            keys: try ConsumerKeySet(configurationValue: jwk), algorithms: algorithms, issuer: issuer, audience: audience)
    }

    /// Both RFC keys, A.3's first.
    static var both: ConsumerTokenVerifier {
        get throws { try verifier("[\(RFC7515.A3.publicJWK),\(RFC7515.A2.publicJWK)]") }
    }

    @Test func theRFCES256ExampleVerifies() throws {
        let claims = try Self.both.verify(RFC7515.A3.token, now: Self.beforeExpiry)
        #expect(claims.algorithm == .es256)
        #expect(claims.issuer == "joe")
        #expect(claims.subject == nil)
        #expect(claims.audience.isEmpty)
        #expect(claims.expiresAt == Date(timeIntervalSince1970: TimeInterval(RFC7515.expiry)))
        #expect(try Self.verifier(RFC7515.A3.publicJWK, issuer: "joe").verify(RFC7515.A3.token, now: Self.beforeExpiry).issuer == "joe")
    }

    @Test func theRFCRS256ExampleVerifies() throws {
        #expect(try Self.both.verify(RFC7515.A2.token, now: Self.beforeExpiry).algorithm == .rs256)
    }

    @Test func theRFCExamplesExpire() throws {
        let atExpiry = Date(timeIntervalSince1970: TimeInterval(RFC7515.expiry))
        #expect(throws: TokenError.expired) { try Self.both.verify(RFC7515.A3.token, now: atExpiry) }
        #expect(throws: TokenError.expired) { try Self.both.verify(RFC7515.A2.token, now: atExpiry) }
    }

    @Test func theRFCExamplesCheckIssuerAndAudienceWhenConfigured() throws {
        let strictIssuer = try Self.verifier(RFC7515.A3.publicJWK, issuer: "jane")
        #expect(throws: TokenError.wrongIssuer) { try strictIssuer.verify(RFC7515.A3.token, now: Self.beforeExpiry) }
        // The payload has no `aud`: a configured audience refuses it.
        let strictAudience = try Self.verifier(RFC7515.A3.publicJWK, audience: "joe")
        #expect(throws: TokenError.wrongAudience) { try strictAudience.verify(RFC7515.A3.token, now: Self.beforeExpiry) }
    }

    @Test func aFlippedSignatureBitIsRefused() throws {
        for token in [RFC7515.A3.token, RFC7515.A2.token] {
            let parts = token.split(separator: ".").map(String.init)
            let signature = try #require(Base64.decode(parts[2]))
            for byte in [0, signature.count / 2, signature.count - 1] {
                let forged = parts[0] + "." + parts[1] + "." + Base64.encode(signature.flippingBit(0, ofByte: byte))
                #expect(throws: TokenError.badSignature) { try Self.both.verify(forged, now: Self.beforeExpiry) }
            }
        }
    }

    @Test func aKeyOfTheRightTypeButAnotherValueIsRefused() throws {
        // A.3's token against the RSA key only: no EC key fits.
        #expect(throws: TokenError.noKeyForAlgorithm) {
            try Self.verifier(RFC7515.A2.publicJWK).verify(RFC7515.A3.token, now: Self.beforeExpiry)
        }
        // A.2's token with RS256 not allowed.
        #expect(throws: TokenError.algorithmNotAllowed) {
            try Self.verifier(RFC7515.A2.publicJWK, algorithms: [.es256, .ps256]).verify(RFC7515.A2.token, now: Self.beforeExpiry)
        }
    }

    @Test func aKidThatNamesNoKeyIsRefused() throws {
        let header = Base64.encode(Array(#"{"alg":"ES256","kid":"missing"}"#.utf8))
        let parts = RFC7515.A3.token.split(separator: ".").map(String.init)
        let token = header + "." + parts[1] + "." + parts[2]
        #expect(throws: TokenError.unknownKeyID) { try Self.both.verify(token, now: Self.beforeExpiry) }
    }

    @Test func structuralRefusals() throws {
        let parts = RFC7515.A3.token.split(separator: ".").map(String.init)
        let verifier = try Self.both
        func refusal(_ token: String) -> TokenError? {
            do {
                _ = try verifier.verify(token, now: Self.beforeExpiry)
                return nil
            } catch {
                return error
            }
        }
        #expect(refusal(String(repeating: "a", count: ConsumerTokenVerifier.maximumTokenBytes + 1)) == .oversize)
        #expect(refusal(parts[0] + "." + parts[1]) == .malformed)
        #expect(refusal(parts[0] + ".." + parts[2]) == .malformed)
        #expect(refusal(RFC7515.A3.token + ".x") == .malformed)
        #expect(refusal(parts[0] + "=." + parts[1] + "." + parts[2]) == .badEncoding)
        #expect(refusal(parts[0] + "." + parts[1] + "." + parts[2] + "=") == .badEncoding)
        #expect(refusal(parts[0] + "." + parts[1] + "." + parts[2].replacingOccurrences(of: "-", with: "+")) == .badEncoding)
        func header(_ json: String) -> String { Base64.encode(Array(json.utf8)) + "." + parts[1] + "." + parts[2] }
        #expect(refusal(header("[]")) == .badJSON)
        #expect(refusal(header("{}")) == .unsupportedAlgorithm)
        #expect(refusal(header(#"{"alg":"ES384"}"#)) == .unsupportedAlgorithm)
        #expect(refusal(header(#"{"alg":"EdDSA"}"#)) == .unsupportedAlgorithm)
        for forbidden in ["none", "None", "HS256", "HS512", "hs256"] {
            #expect(refusal(header(#"{"alg":"\#(forbidden)"}"#)) == .forbiddenAlgorithm, "\(forbidden)")
        }
        #expect(refusal(header(#"{"alg":"ES256","crit":["exp"],"exp":1}"#)) == .criticalHeader)
    }
}
