import Crypto
import Foundation
import SignalServer
import Signaling

/// A stand-in for an app's identity provider: a P-256 key that mints `ES256` consumer tokens,
/// and its public JWKS as `CONSUMER_PUBLIC_KEY_JWK` takes it. Signing is swift-crypto's; the
/// server under test only ever sees the public key.
struct IdentityProvider: Sendable {
    static let issuer = "https://idp.example.test/"
    static let audience = "signal-consumers"

    let keyID: String
    private let key = P256.Signing.PrivateKey()

    init(keyID: String = "idp-key-1") {
        self.keyID = keyID
    }

    /// `{"keys":[<public JWK>]}`.
    var jwks: String {
        let point = Array(key.publicKey.rawRepresentation)
        let x = Base64.encode(point[..<32]), y = Base64.encode(point[32...])
        return #"{"keys":[{"kty":"EC","crv":"P-256","x":"\#(x)","y":"\#(y)","kid":"\#(keyID)","alg":"ES256","use":"sig"}]}"#
    }

    /// The JWKS base64-encoded (standard alphabet, padded), as an operator pastes it.
    var configurationValue: String { Base64.encode(Array(jwks.utf8), variant: .standard) }

    /// Trusts this provider for consumer tokens with `iss` and `aud` checked.
    func configure(_ configuration: inout SignalConfiguration) {
        configuration.consumerKeys = try! ConsumerKeySet(configurationValue: configurationValue)
        configuration.consumerIssuer = Self.issuer
        configuration.consumerAudience = Self.audience
    }

    /// An `ES256` token for `subject` that expires `lifetime` seconds from now (negative: already expired).
    func token(
        subject: String = "support-agent", issuer: String = Self.issuer, audience: String = Self.audience,
        lifetime: Int = 3600
    ) -> String {
        let now = Int(Date().timeIntervalSince1970)
        let header = #"{"alg":"ES256","typ":"JWT","kid":"\#(keyID)"}"#
        let claims = #"{"sub":"\#(subject)","iss":"\#(issuer)","aud":"\#(audience)","iat":\#(now),"exp":\#(now + lifetime)}"#
        let signingInput = Base64.encode(Array(header.utf8)) + "." + Base64.encode(Array(claims.utf8))
        let signature = try! key.signature(for: Array(signingInput.utf8))
        return signingInput + "." + Base64.encode(Array(signature.rawRepresentation))
    }
}

extension TestServer {
    /// Opens a token-less socket for `room` as `nodeId` and registers it as a consumer with
    /// `token`; returns the socket and its `server-list`.
    func joinConsumer(room: String, nodeId: String, token: String) async throws -> (TestSocket, [String]) {
        let socket = try await connect(["room": room, "nodeId": nodeId])
        try await socket.register(["role": "consumer", "token": token])
        let reply = try await socket.nextJSON()
        guard reply["type"] as? String == "server-list", let servers = reply["servers"] as? [String] else {
            throw TestSocket.Failure.unexpected(.text("\(reply)"), expected: "server-list")
        }
        return (socket, servers)
    }
}
