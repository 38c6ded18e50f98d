import HTTPTypes
import NIOCore
import Prometheus
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
    /// `TOKEN_RATE` per client address.
    let requestRate: RateLimitTable
    /// `ADMIN_FAILURE_RATE` per client address: wrong admin secrets.
    let failureRate: RateLimitTable
    /// Counts mints and wrong secrets; `nil` with `METRICS=false`.
    let metrics: SignalMetrics?

    /// Refuses a request from `client` over `TOKEN_RATE`, or from an address whose wrong
    /// secrets used up `ADMIN_FAILURE_RATE` (429 with `Retry-After`: checked before the secret,
    /// so guessing stays as slow as that rate whatever the guesses), then one whose admin secret
    /// is missing or wrong (401, which counts against `ADMIN_FAILURE_RATE`). Checked before the
    /// body is read: a caller without the secret learns nothing about the body's rules.
    func authorize(presented: String?, from client: IPAddress) throws(SignalHTTPError) {
        if let wait = requestRate.take(for: client) {
            throw Self.tooManyRequests("too many token requests from this address", retryAfter: wait)
        }
        if let wait = failureRate.wait(for: client) {
            throw Self.tooManyRequests("too many wrong admin secrets from this address", retryAfter: wait)
        }
        guard let presented, adminSecret.matches(presented) else {
            _ = failureRate.take(for: client)
            metrics?.tokenRequestsUnauthorized.increment()
            throw SignalHTTPError(.unauthorized, "Unauthorized")
        }
    }

    /// A 429 whose `Retry-After` is `wait` in whole seconds, rounded up.
    static func tooManyRequests(_ message: String, retryAfter wait: TimeAmount) -> SignalHTTPError {
        let seconds = max(1, (wait.nanoseconds + 999_999_999) / 1_000_000_000)
        return SignalHTTPError(.tooManyRequests, "\(message); retry after \(seconds) s", headers: [.retryAfter: String(seconds)])
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
        metrics?.tokensMinted.increment()
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
