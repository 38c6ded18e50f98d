import Foundation
import Signaling

extension [UInt8] {
    /// Bytes from a hex string such as `"af82"`; traps on anything else, since the hex is a test constant.
    init(hex: String) {
        precondition(hex.count.isMultiple(of: 2), "odd-length hex")
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        self = bytes
    }

    /// A copy with bit `bit` of byte `index` inverted.
    func flippingBit(_ bit: Int, ofByte index: Int) -> [UInt8] {
        var copy = self
        copy[index] ^= 1 << bit
        return copy
    }
}

/// The key of RFC 8037 Appendix A (the same seed as RFC 8032 § 7.1 TEST 1).
enum RFC8037 {
    static let d = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
    static let x = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
    static let privateJWK = #"{"kty":"OKP","crv":"Ed25519","d":"\#(d)","x":"\#(x)"}"#
    static let publicJWK = #"{"kty":"OKP","crv":"Ed25519","x":"\#(x)"}"#
    static let thumbprint = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"

    static var privateKey: Ed25519PrivateKey { Ed25519PrivateKey(seed: Base64.decode(d)!)! }
    static var keyPair: SigningKeyPair { SigningKeyPair(privateKey: privateKey) }
}

/// The JS server's fixed `iss` and `aud`, which are also our defaults.
enum Claims {
    static let issuer = "aikofy:client-db-sync"
    static let audience = "aikofy:client-db"
}

/// A compact JWS built by hand: `header` and `payload` are taken verbatim as JSON text, so tests
/// control every byte the verifier sees.
func compactJWS(header: String, payload: String, key: Ed25519PrivateKey) -> String {
    signedToken(headerSegment: Base64.encode(Array(header.utf8)), payloadSegment: Base64.encode(Array(payload.utf8)), key: key)
}

/// Signs two already-encoded segments exactly as given (even when they are not valid base64url),
/// so a test can break the encoding without also breaking the signature.
func signedToken(headerSegment: String, payloadSegment: String, key: Ed25519PrivateKey) -> String {
    let signingInput = headerSegment + "." + payloadSegment
    return signingInput + "." + Base64.encode(key.signature(for: Array(signingInput.utf8)))
}

/// The JSON object in segment `index` of a compact JWS.
func decodedSegment(_ token: String, _ index: Int) -> [String: JSONValue]? {
    let segments = token.split(separator: ".", omittingEmptySubsequences: false)
    guard segments.count == 3, let bytes = Base64.decode(segments[index]) else { return nil }
    return JSONValue(parsing: bytes)?.objectValue
}
