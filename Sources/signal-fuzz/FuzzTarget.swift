import Foundation
import Signaling

/// One parser of untrusted input that the fuzzer drives, named as `scripts/fuzz` names it.
///
/// Each run feeds one input to the parser and checks what the parser promises about its result;
/// a broken promise traps, which libFuzzer reports as a crash with the input that caused it.
enum FuzzTarget: String, CaseIterable {
    /// ``TokenVerifier``: the input as a token, and the input as the header and claims of a token
    /// that carries a valid signature (so the claims checks are reached, not just the signature).
    case roomToken = "room-token"
    /// ``Ed25519JWK``: the input as a JWK's JSON and as a configuration value (JSON or base64).
    case jwk
    /// ``ConsumerKeySet``: the input as a JWKS's JSON and as a configuration value.
    case consumerKeySet = "consumer-key-set"
    /// ``TimeToLive``: the input as a lifetime such as `24h` or `1.5 days`.
    case ttl
    /// ``ClientFrameDecoder``: the input as a text frame a client sent on `/signal`.
    case clientFrame = "client-frame"
    /// ``JSONValue``: the input as a JSON document.
    case json
    /// ``SignalQuery``: the input as a `/signal` request target.
    case query

    /// Runs the parser on `input`.
    func run(_ input: UnsafeRawBufferPointer) {
        switch self {
        case .roomToken: RoomTokenFuzzing.run(input)
        case .jwk:
            let text = String(decoding: input, as: UTF8.self)
            if let jwk = try? Ed25519JWK(json: Array(input), variable: "FUZZ") {
                precondition(jwk.publicKey.bytes.count == 32, "a parsed JWK holds a 32-byte key")
            }
            _ = try? Ed25519JWK(configurationValue: text, variable: "FUZZ")
        case .consumerKeySet:
            _ = try? ConsumerKeySet(json: Array(input))
            _ = try? ConsumerKeySet(configurationValue: String(decoding: input, as: UTF8.self))
        case .ttl:
            let maximum = TimeToLive(seconds: 366 * 86_400)
            if let parsed = try? TimeToLive(parsing: String(decoding: input, as: UTF8.self), maximum: maximum) {
                precondition((1...maximum.seconds).contains(parsed.seconds), "a parsed lifetime is within 1 s and the maximum")
            }
            _ = try? TimeToLive(parsing: String(decoding: input, as: UTF8.self))
        case .clientFrame:
            _ = try? ClientFrameDecoder.decode(input)
        case .json:
            if let value = JSONValue(parsing: input) {
                precondition(JSONValue(parsing: Array(input)) == value, "both parsing entry points agree")
            }
        case .query:
            let target = String(decoding: input, as: UTF8.self)
            let request = SignalQuery.admissionRequest(from: target)
            precondition(SignalQuery.path(of: target).utf8.count <= target.utf8.count, "the path is part of the target")
            _ = Admission.decide(request, verifier: RoomTokenFuzzing.verifier, now: RoomTokenFuzzing.now)
        }
    }
}
