import Foundation
import Signaling
import Testing

/// `CONSUMER_PUBLIC_KEY_JWK` parsing: a JWK, a JWK array or a JWKS, base64 or raw JSON, and
/// every refusal with the key it concerns.
@Suite struct ConsumerKeyTests {
    static func base64(_ json: String) -> String { Base64.encode(Array(json.utf8), variant: .standard) }

    static func refusal(_ value: String, sourceLocation: SourceLocation = #_sourceLocation) -> ConsumerKeyError? {
        do {
            _ = try ConsumerKeySet(configurationValue: value)
            Issue.record("accepted \(value)", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    /// The A.3 key with `members` added (JSON text without braces).
    static func ecJWK(_ members: String = "") -> String {
        #"{"kty":"EC","crv":"P-256","x":"\#(RFC7515.A3.x)","y":"\#(RFC7515.A3.y)"\#(members.isEmpty ? "" : ",")\#(members)}"#
    }

    @Test func aSingleJWKInBase64() throws {
        let set = try ConsumerKeySet(configurationValue: Self.base64(Self.ecJWK(#""kid":"k1","alg":"ES256","use":"sig""#)))
        #expect(set.keys.count == 1)
        let key = try #require(set.keys.first)
        #expect(key.keyType == .ec)
        #expect(key.keyID == "k1")
        #expect(key.algorithm == "ES256")
        #expect(key.use == "sig")
        #expect(key.fits(.es256))
        #expect(!key.fits(.rs256) && !key.fits(.ps256))
    }

    @Test func anArrayAndAJWKSInEveryEncoding() throws {
        let array = "[\(Self.ecJWK(#""kid":"ec""#)),\(RFC7515.A2.publicJWK)]"
        let jwks = #"{"keys":\#(array)}"#
        let encodings = [
            array, jwks, "  \(jwks)\n", Self.base64(jwks), Self.base64(array),
            Base64.encode(Array(jwks.utf8), variant: .urlSafeUnpadded),
            // `base64` wraps its output every 76 characters.
            Self.base64(jwks).enumerated().map { $0.offset > 0 && $0.offset % 76 == 0 ? "\n\($0.element)" : "\($0.element)" }.joined(),
        ]
        for value in encodings {
            let set = try ConsumerKeySet(configurationValue: value)
            #expect(set.keys.map(\.keyType) == [.ec, .rsa])
            #expect(set.keys.map(\.keyID) == ["ec", nil])
        }
    }

    @Test func rsaKeysFitRS256AndPS256() throws {
        let key = try #require(try ConsumerKeySet(configurationValue: RFC7515.A2.publicJWK).keys.first)
        #expect(key.fits(.rs256) && key.fits(.ps256) && !key.fits(.es256))
        let pinned = try #require(
            try ConsumerKeySet(configurationValue: #"{"kty":"RSA","alg":"RS256","n":"\#(RFC7515.A2.n)","e":"AQAB"}"#).keys.first)
        #expect(pinned.fits(.rs256) && !pinned.fits(.ps256))
    }

    @Test func aKeyForEncryptionVerifiesNothing() throws {
        let key = try #require(try ConsumerKeySet(configurationValue: Self.ecJWK(#""use":"enc""#)).keys.first)
        #expect(!key.fits(.es256))
    }

    @Test func notBase64NorJSON() {
        #expect(Self.refusal("not base64!")?.reason == .notBase64)
        #expect(Self.refusal("")?.reason == .notBase64)
    }

    @Test func notAKeySet() {
        #expect(Self.refusal(Self.base64("42"))?.reason == .notKeySet)
        #expect(Self.refusal(Self.base64("{not json"))?.reason == .notKeySet)
        #expect(Self.refusal(#"{"keys":{"kty":"EC"}}"#)?.reason == .notKeySet)
        #expect(Self.refusal("[]")?.reason == .empty)
        #expect(Self.refusal(#"{"keys":[]}"#)?.reason == .empty)
        #expect(Self.refusal(#"[\#(Self.ecJWK()),"k"]"#) == ConsumerKeyError(.notJSONObject, index: 1))
    }

    @Test func unsupportedKeyTypesAndCurves() {
        #expect(Self.refusal(#"{"kty":"oct","k":"c2VjcmV0"}"#)?.reason == .unsupportedKeyType("oct"))
        #expect(Self.refusal(#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#)?.reason
            == .unsupportedKeyType("OKP"))
        #expect(Self.refusal(#"{"crv":"P-256"}"#)?.reason == .unsupportedKeyType(nil))
        #expect(Self.refusal(#"{"kty":"EC","crv":"P-384","x":"AA","y":"AA"}"#)?.reason == .unsupportedCurve("P-384"))
        #expect(Self.refusal(#"{"kty":"EC","x":"AA","y":"AA"}"#)?.reason == .unsupportedCurve(nil))
    }

    @Test func missingAndMalformedMembers() {
        let y = RFC7515.A3.y
        #expect(Self.refusal(#"{"kty":"EC","crv":"P-256","y":"\#(y)"}"#)?.reason == .missingMember("x"))
        #expect(Self.refusal(#"{"kty":"EC","crv":"P-256","x":1,"y":"\#(y)"}"#)?.reason == .missingMember("x"))
        #expect(Self.refusal(#"{"kty":"RSA","n":"\#(RFC7515.A2.n)"}"#)?.reason == .missingMember("e"))
        #expect(Self.refusal(#"{"kty":"RSA","e":"AQAB"}"#)?.reason == .missingMember("n"))
        // Padding, the standard alphabet, and empty values are not unpadded base64url.
        #expect(Self.refusal(#"{"kty":"EC","crv":"P-256","x":"\#(RFC7515.A3.x)=","y":"\#(y)"}"#)?.reason == .notBase64URL("x"))
        #expect(Self.refusal(#"{"kty":"RSA","n":"\#(RFC7515.A2.n.replacingOccurrences(of: "-", with: "+"))","e":"AQAB"}"#)?.reason
            == .notBase64URL("n"))
        #expect(Self.refusal(#"{"kty":"RSA","n":"\#(RFC7515.A2.n)","e":""}"#)?.reason == .notBase64URL("e"))
        #expect(Self.refusal(#"{"kty":"EC","crv":"P-256","x":"AAAA","y":"\#(y)"}"#)?.reason
            == .wrongLength(member: "x", expected: 32, actual: 3))
    }

    @Test func invalidKeyMaterial() {
        // y equal to x: not a point on the curve.
        let offCurve = #"{"kty":"EC","crv":"P-256","x":"\#(RFC7515.A3.x)","y":"\#(RFC7515.A3.x)"}"#
        #expect(Self.refusal(offCurve)?.reason == .invalidPoint)
        // A 1032-bit modulus (the first 129 bytes of A.2's): too small.
        let short = String(RFC7515.A2.n.prefix(172))
        #expect(Self.refusal(#"{"kty":"RSA","n":"\#(short)","e":"AQAB"}"#)?.reason == .invalidRSAKey)
    }

    @Test func privateKeysAreRefused() {
        #expect(Self.refusal(Self.ecJWK(#""d":"\#(RFC7515.A3.d)""#))?.reason == .privateMember("d"))
        #expect(Self.refusal(#"{"kty":"RSA","n":"\#(RFC7515.A2.n)","e":"AQAB","p":"AQAB"}"#)?.reason == .privateMember("p"))
    }

    @Test func anAlgorithmForAnotherKeyTypeIsRefused() {
        #expect(Self.refusal(Self.ecJWK(#""alg":"RS256""#))?.reason == .algorithmDoesNotFitKey("RS256"))
        #expect(Self.refusal(#"{"kty":"RSA","alg":"ES256","n":"\#(RFC7515.A2.n)","e":"AQAB"}"#)?.reason
            == .algorithmDoesNotFitKey("ES256"))
    }

    @Test func errorsNameTheKeyInASetAndNeverTheValue() throws {
        let error = try #require(Self.refusal(#"{"keys":[\#(Self.ecJWK()),{"kty":"EC","crv":"P-521"}]}"#))
        #expect(error == ConsumerKeyError(.unsupportedCurve("P-521"), index: 1))
        #expect(error.description == #"key 1: crv "P-521" is not supported: EC keys must be "P-256""#)
        let single = try #require(Self.refusal(Self.ecJWK(#""d":"\#(RFC7515.A3.d)""#)))
        #expect(single.description == #"has private member "d": configure the public key only"#)
        #expect(!single.description.contains(RFC7515.A3.d))
    }

    @Test func algorithmLists() throws {
        #expect(try ConsumerAlgorithm.list(parsing: "ES256,RS256") == [.es256, .rs256])
        #expect(try ConsumerAlgorithm.list(parsing: " PS256 , ES256,ES256 ") == [.ps256, .es256])
        #expect(throws: ConsumerAlgorithmError.neverAccepted("none")) { try ConsumerAlgorithm.list(parsing: "ES256,none") }
        #expect(throws: ConsumerAlgorithmError.neverAccepted("HS256")) { try ConsumerAlgorithm.list(parsing: "HS256") }
        #expect(throws: ConsumerAlgorithmError.neverAccepted("NONE")) { try ConsumerAlgorithm.list(parsing: "NONE") }
        #expect(throws: ConsumerAlgorithmError.unsupported("EdDSA")) { try ConsumerAlgorithm.list(parsing: "EdDSA") }
        #expect(throws: ConsumerAlgorithmError.unsupported("es256")) { try ConsumerAlgorithm.list(parsing: "es256") }
        #expect(throws: ConsumerAlgorithmError.empty) { try ConsumerAlgorithm.list(parsing: " , ") }
    }
}
