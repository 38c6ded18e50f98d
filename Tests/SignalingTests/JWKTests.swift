import Signaling
import Testing

/// RFC 8037 Appendix A, and loading keys the way the configuration does.
@Suite struct JWKTests {
    // MARK: RFC 8037 § A.1–A.4

    @Test func parsesThePrivateKeyOfA1() throws {
        let jwk = try Ed25519JWK(json: Array(RFC8037.privateJWK.utf8), variable: "PRIVATE_KEY_JWK")
        let privateKey = try #require(jwk.privateKey)
        // The same key as RFC 8032 TEST 1.
        #expect(privateKey.seed == [UInt8](hex: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"))
        #expect(jwk.publicKey.bytes == [UInt8](hex: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"))
    }

    @Test func parsesThePublicKeyOfA2() throws {
        let jwk = try Ed25519JWK(json: Array(RFC8037.publicJWK.utf8), variable: "PUBLIC_KEY_JWK")
        #expect(jwk.privateKey == nil)
        #expect(jwk.publicKey.bytes == Base64.decode(RFC8037.x))
    }

    @Test func computesTheThumbprintOfA3() throws {
        let privateForm = try Ed25519JWK(json: Array(RFC8037.privateJWK.utf8), variable: "PRIVATE_KEY_JWK")
        let publicForm = try Ed25519JWK(json: Array(RFC8037.publicJWK.utf8), variable: "PUBLIC_KEY_JWK")
        #expect(privateForm.thumbprint == RFC8037.thumbprint)
        #expect(publicForm.thumbprint == RFC8037.thumbprint)
        #expect(RFC8037.keyPair.keyID == RFC8037.thumbprint)
    }

    @Test func signsTheJWSOfA4() throws {
        let jwk = try Ed25519JWK(json: Array(RFC8037.privateJWK.utf8), variable: "PRIVATE_KEY_JWK")
        let privateKey = try #require(jwk.privateKey)
        let signingInput = Array("eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc".utf8)
        let expected = "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
        let signature = privateKey.signature(for: signingInput)
        #expect(Base64.encode(signature) == expected)
        #expect(jwk.publicKey.isValidSignature(try #require(Base64.decode(expected)), for: signingInput))
        #expect(!jwk.publicKey.isValidSignature(signature, for: signingInput.dropLast() + Array("h".utf8)))
    }

    // MARK: Loading configuration values

    @Test func loadsTheBase64EnvironmentForm() throws {
        let pair = try SigningKeyPair(
            privateJWK: Base64.encode(Array(RFC8037.privateJWK.utf8), variant: .standard),
            publicJWK: Base64.encode(Array(RFC8037.publicJWK.utf8), variant: .standard))
        #expect(pair.privateKey.seed == Base64.decode(RFC8037.d))
        #expect(pair.publicKey.bytes == Base64.decode(RFC8037.x))
        #expect(pair.keyID == RFC8037.thumbprint)
    }

    @Test func loadsTheRawJSONForm() throws {
        let pair = try SigningKeyPair(privateJWK: RFC8037.privateJWK, publicJWK: RFC8037.publicJWK)
        #expect(pair.privateKey.seed == Base64.decode(RFC8037.d))
        #expect(pair.keyID == RFC8037.thumbprint)
    }

    @Test func toleratesSurroundingWhitespace() throws {
        // A value pasted into `.env` or a secret store often brings a line break along.
        let pair = try SigningKeyPair(
            privateJWK: " " + Base64.encode(Array(RFC8037.privateJWK.utf8), variant: .standard) + "\n",
            publicJWK: "\t" + RFC8037.publicJWK + "\r\n")
        #expect(pair.keyID == RFC8037.thumbprint)
    }

    @Test func ignoresExtraMembers() throws {
        let privateJWK = #"{"alg":"EdDSA","kid":"some-id","use":"sig","kty":"OKP","crv":"Ed25519","d":"\#(RFC8037.d)","x":"\#(RFC8037.x)"}"#
        let publicJWK = #"{"kty":"OKP","crv":"Ed25519","x":"\#(RFC8037.x)","alg":"EdDSA","kid":"other","use":"sig","key_ops":["verify"]}"#
        let pair = try SigningKeyPair(
            privateJWK: Base64.encode(Array(privateJWK.utf8), variant: .standard), publicJWK: publicJWK)
        // The kid is always computed, never taken from the JWK.
        #expect(pair.keyID == RFC8037.thumbprint)
        #expect(pair.publicKey.bytes == Base64.decode(RFC8037.x))
    }

    @Test func environmentLinesReloadToTheSameKey() throws {
        let original = SigningKeyPair.generate()
        let lines = original.environmentLines
        try #require(lines.count == 2)
        #expect(lines[0].hasPrefix("PRIVATE_KEY_JWK="))
        #expect(lines[1].hasPrefix("PUBLIC_KEY_JWK="))
        let privateValue = String(lines[0].dropFirst("PRIVATE_KEY_JWK=".count))
        let publicValue = String(lines[1].dropFirst("PUBLIC_KEY_JWK=".count))

        // Standard alphabet, padded: what SPEC § Keys says the variables hold.
        let privateJSON = try #require(Base64.decode(privateValue, variant: .standard))
        let publicJSON = try #require(Base64.decode(publicValue, variant: .standard))
        let privateMembers = try #require(JSONValue(parsing: privateJSON)?.objectValue)
        let publicMembers = try #require(JSONValue(parsing: publicJSON)?.objectValue)
        #expect(Set(privateMembers.keys) == ["kty", "crv", "x", "d"])
        #expect(Set(publicMembers.keys) == ["kty", "crv", "x"])

        let reloaded = try SigningKeyPair(privateJWK: privateValue, publicJWK: publicValue)
        #expect(reloaded.privateKey.seed == original.privateKey.seed)
        #expect(reloaded.publicKey == original.publicKey)
        #expect(reloaded.keyID == original.keyID)
    }

    /// `base64` without `-w0` wraps at 76 columns; the JS server's decoder accepts that, so do we.
    @Test func loadsBase64WrappedOverSeveralLines() throws {
        let original = SigningKeyPair.generate()
        let values = original.environmentLines.map { String($0.split(separator: "=", maxSplits: 1)[1]) }
        let wrapped = values.map { value in
            stride(from: 0, to: value.count, by: 20).map { offset -> String in
                let start = value.index(value.startIndex, offsetBy: offset)
                return String(value[start..<(value.index(start, offsetBy: 20, limitedBy: value.endIndex) ?? value.endIndex)])
            }.joined(separator: "\n")
        }
        #expect(wrapped[0].contains("\n"))
        let reloaded = try SigningKeyPair(privateJWK: wrapped[0], publicJWK: wrapped[1])
        #expect(reloaded.keyID == original.keyID)
    }

    @Test func environmentLinesOfTheRFCKey() {
        // Expected values from Python's base64.b64encode of the JWK JSON.
        #expect(RFC8037.keyPair.environmentLines == [
            "PRIVATE_KEY_JWK=eyJrdHkiOiJPS1AiLCJjcnYiOiJFZDI1NTE5IiwieCI6IjExcVlBWUt4Q3JmVlNfN1R5V1FIT2c3aGN2UGFwaU1scndJYWFQY0hVUm8iLCJkIjoibldHeG5lXzlXbUM2aEVyMGt1d3N4RVJKeFdsN01ta1pjRHVzQXh5dWYyQSJ9",
            "PUBLIC_KEY_JWK=eyJrdHkiOiJPS1AiLCJjcnYiOiJFZDI1NTE5IiwieCI6IjExcVlBWUt4Q3JmVlNfN1R5V1FIT2c3aGN2UGFwaU1scndJYWFQY0hVUm8ifQ==",
        ])
    }

    @Test func publicJSONCarriesTheThumbprintAsKid() throws {
        let jwk = RFC8037.keyPair.jwk
        let members = try #require(JSONValue(parsing: Array(jwk.publicJSON.utf8))?.objectValue)
        #expect(members == [
            "alg": .string("EdDSA"), "crv": .string("Ed25519"), "kty": .string("OKP"),
            "x": .string(RFC8037.x), "kid": .string(RFC8037.thumbprint), "use": .string("sig"),
        ])
        #expect(members["kid"] == .string(jwk.thumbprint))
        // What `/public-key` publishes must load back as a public key.
        let reloaded = try Ed25519JWK(configurationValue: jwk.publicJSON, variable: "PUBLIC_KEY_JWK")
        #expect(reloaded.publicKey == jwk.publicKey)
        #expect(reloaded.privateKey == nil)
    }

    @Test func privateJSONRoundTrips() throws {
        let original = Ed25519JWK(privateKey: Ed25519PrivateKey())
        let json = try #require(original.privateJSON)
        let reloaded = try Ed25519JWK(json: Array(json.utf8), variable: "PRIVATE_KEY_JWK")
        #expect(reloaded.privateKey?.seed == original.privateKey?.seed)
        #expect(Ed25519JWK(publicKey: original.publicKey).privateJSON == nil)
    }

    // MARK: Refusals

    @Test(arguments: KeyErrorCase.all)
    func refuses(_ example: KeyErrorCase) throws {
        let error = try #require(throws: KeyError.self) {
            _ = try SigningKeyPair(
                privateJWK: example.privateValue, publicJWK: example.publicValue,
                privateVariable: "SECRET_SIGNING_JWK", publicVariable: "PUBLISHED_JWK")
        }
        #expect(error == example.expected)
        #expect(error.description.hasPrefix(example.expected.variable + " "))
        // Errors go to start-up logs: never the secret, never the value.
        #expect(!error.description.contains(RFC8037.d))
        #expect(!error.description.contains(KeyErrorCase.otherSeed))
        for value in [example.privateValue, example.publicValue] where value.count > 8 {
            #expect(!error.description.contains(value))
        }
    }
}

/// One way a key pair configuration can be wrong, and the error it must produce.
struct KeyErrorCase: Sendable, CustomTestStringConvertible {
    let name: String
    let privateValue: String
    let publicValue: String
    let expected: KeyError
    var testDescription: String { name }

    /// The seed of RFC 8032 TEST 2, a second valid key.
    static let otherSeed = Base64.encode([UInt8](hex: "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"))
    static let otherX = Base64.encode([UInt8](hex: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"))

    static let privateVariable = "SECRET_SIGNING_JWK"
    static let publicVariable = "PUBLISHED_JWK"

    /// The bad value in `PRIVATE_KEY_JWK`'s place, next to a good public key.
    static func privateValue(
        _ name: String, _ value: String, _ reason: KeyError.Reason, base64: Bool = true
    ) -> KeyErrorCase {
        KeyErrorCase(
            name: name,
            privateValue: base64 ? Base64.encode(Array(value.utf8), variant: .standard) : value,
            publicValue: Base64.encode(Array(RFC8037.publicJWK.utf8), variant: .standard),
            expected: KeyError(variable: privateVariable, reason: reason))
    }

    /// The bad value in `PUBLIC_KEY_JWK`'s place, next to a good private key.
    static func publicValue(_ name: String, _ value: String, _ reason: KeyError.Reason) -> KeyErrorCase {
        KeyErrorCase(
            name: name,
            privateValue: Base64.encode(Array(RFC8037.privateJWK.utf8), variant: .standard),
            publicValue: Base64.encode(Array(value.utf8), variant: .standard),
            expected: KeyError(variable: publicVariable, reason: reason))
    }

    static func privateJWK(kty: String = #""OKP""#, crv: String = #""Ed25519""#, x: String?, d: String?) -> String {
        var members = [#""kty":\#(kty)"#, #""crv":\#(crv)"#]
        if let x { members.append(#""x":\#(x)"#) }
        if let d { members.append(#""d":\#(d)"#) }
        return "{" + members.joined(separator: ",") + "}"
    }

    static let x = #""\#(RFC8037.x)""#
    static let d = #""\#(RFC8037.d)""#

    static let all: [KeyErrorCase] = [
        privateValue("not base64", "not base64 at all!", .notBase64, base64: false),
        privateValue("not base64: stray character", "eyJrdHkiOiJPS1AifQ==*", .notBase64, base64: false),
        privateValue("base64 of text", "hello, world", .notJSONObject),
        privateValue("base64 of a JSON array", #"[{"kty":"OKP"}]"#, .notJSONObject),
        privateValue("base64 of a JSON string", #""OKP""#, .notJSONObject),
        privateValue("raw JSON that does not parse", #"{"kty":"OKP","#, .notJSONObject, base64: false),
        privateValue("kty EC", privateJWK(kty: #""EC""#, x: x, d: d), .wrongKeyType),
        privateValue("kty missing", #"{"crv":"Ed25519","x":\#(x),"d":\#(d)}"#, .wrongKeyType),
        privateValue("crv X25519", privateJWK(crv: #""X25519""#, x: x, d: d), .wrongCurve),
        privateValue("crv missing", #"{"kty":"OKP","x":\#(x),"d":\#(d)}"#, .wrongCurve),
        privateValue("x missing", privateJWK(x: nil, d: d), .missingMember("x")),
        privateValue("x a number", privateJWK(x: "42", d: d), .missingMember("x")),
        privateValue("d null", privateJWK(x: x, d: "null"), .missingMember("d")),
        privateValue("x padded", privateJWK(x: #""\#(RFC8037.x)=""#, d: d), .notBase64URL("x")),
        privateValue("d padded", privateJWK(x: x, d: #""\#(RFC8037.d)=""#), .notBase64URL("d")),
        privateValue(
            "d in the standard alphabet",
            privateJWK(x: x, d: #""\#(String(RFC8037.d.map { $0 == "_" ? "/" : $0 }))""#), .notBase64URL("d")),
        privateValue("x 31 bytes", privateJWK(x: #""\#(Base64.encode([UInt8](repeating: 7, count: 31)))""#, d: d),
            .wrongLength(member: "x", expected: 32, actual: 31)),
        privateValue("d 33 bytes", privateJWK(x: x, d: #""\#(Base64.encode([UInt8](repeating: 7, count: 33)))""#),
            .wrongLength(member: "d", expected: 32, actual: 33)),
        privateValue("a public key as the private key", RFC8037.publicJWK, .notPrivate),
        privateValue("d of another key", privateJWK(x: x, d: #""\#(otherSeed)""#), .seedDoesNotMatchPublicKey),
        publicValue("public key of another pair", #"{"kty":"OKP","crv":"Ed25519","x":"\#(otherX)"}"#,
            .pairMismatch(otherVariable: privateVariable)),
        publicValue("public crv P-256", #"{"kty":"OKP","crv":"P-256","x":\#(x)}"#, .wrongCurve),
        publicValue("public x not base64url", #"{"kty":"OKP","crv":"Ed25519","x":"not base64url!"}"#, .notBase64URL("x")),
    ]
}
