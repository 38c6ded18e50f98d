import HTTPTypes
import NIOCore
import Signaling

/// `POST /token`: the admin check, the body's validation and the minted token's JSON, in one
/// place for both ways a request reaches it (the router's route and the edge's
/// ``TokenMintingHandler``).
struct TokenEndpoint: Sendable {
    /// The route's path.
    static let path = "/token"

    /// The 413 for a body over ``TokenRequest/maximumBodyBytes``.
    static let bodyTooLarge = SignalHTTPError(.contentTooLarge, "body must be at most \(TokenRequest.maximumBodyBytes) bytes")

    let issuer: TokenIssuer
    let adminSecret: AdminSecret
    let maximumTTL: TimeToLive

    /// Refuses a request whose admin secret is missing or wrong. Checked before the body is
    /// read: a caller without the secret learns nothing about the body's rules.
    func authorize(presented: String?) throws(SignalHTTPError) {
        guard let presented, adminSecret.matches(presented) else {
            throw SignalHTTPError(.unauthorized, "Unauthorized")
        }
    }

    /// Mints the token `body` asks for and returns the `201` body, or throws the `400` naming
    /// the field at fault.
    func mint(body: ByteBuffer) throws(SignalHTTPError) -> ByteBuffer {
        let request: TokenRequest
        do throws(TokenRequestError) {
            request = try TokenRequest(body: Array(body.readableBytesView), maximumTTL: maximumTTL)
        } catch {
            throw SignalHTTPError(.badRequest, error.message)
        }
        let issued = issuer.issue(subject: request.subject, timeToLive: request.timeToLive)
        var json = ByteBuffer()
        json.reserveCapacity(minimumWritableBytes: issued.token.utf8.count + request.subject.utf8.count + 64)
        json.writeStaticString(#"{"token":"#)
        json.writeJSONString(issued.token)
        json.writeStaticString(#","expiresAt":"#)
        json.writeJSONString(Timestamp.iso8601(issued.expiresAt))
        json.writeStaticString(#","subject":"#)
        json.writeJSONString(request.subject)
        json.writeStaticString("}")
        return json
    }
}
