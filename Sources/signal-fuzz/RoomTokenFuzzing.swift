import Foundation
import Signaling

/// The room-token fuzz target's fixed key, clock and token builder.
enum RoomTokenFuzzing {
    /// The signing key: a fixed seed, so that every run (and every replayed crash) is the same.
    static let signingKey = Ed25519PrivateKey(seed: [UInt8](repeating: 7, count: 32))!
    /// Verifies with ``signingKey``'s public half, issuer `fuzz-iss`, audience `fuzz-aud`.
    static let verifier = TokenVerifier(publicKey: signingKey.publicKey, issuer: "fuzz-iss", audience: "fuzz-aud")
    /// The verification time: fixed, so that `exp` and `nbf` decide the same way on every run.
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// Verifies `input` as a token, then as the header and claims of a signed token: up to the
    /// first newline is the header's JSON and the rest the claims' JSON (with no newline, the
    /// header is `{"alg":"EdDSA"}` and the whole input the claims).
    static func run(_ input: UnsafeRawBufferPointer) {
        _ = try? verifier.verify(String(decoding: input, as: UTF8.self), now: now)

        let bytes = Array(input)
        let header: ArraySlice<UInt8>
        let claims: ArraySlice<UInt8>
        if let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) {
            header = bytes[..<newline]
            claims = bytes[(newline + 1)...]
        } else {
            header = Array(#"{"alg":"EdDSA"}"#.utf8)[...]
            claims = bytes[...]
        }
        let signingInput = Base64.encode(header) + "." + Base64.encode(claims)
        let token = signingInput + "." + Base64.encode(signingKey.signature(for: Array(signingInput.utf8)))
        if let verified = try? verifier.verify(token, now: now) {
            precondition(!verified.subject.isEmpty && verified.audience.contains("fuzz-aud"), "a verified token has a subject and our audience")
            precondition(verified.expiresAt > now, "a verified token has not expired")
        }
    }
}
