import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Signaling

/// `GET /turn-credentials`: short-lived TURN credentials for the holder of a room token, in
/// the shape a browser takes as an `RTCIceServer` (README § TURN).
struct TurnCredentialsEndpoint: Sendable {
    let issuer: TurnCredentialIssuer
    /// `nil` when auth is disabled: no token is needed.
    let tokenVerifier: TokenVerifier?
    /// Revoked room tokens, refused like invalid ones.
    let revocations: RevocationList

    /// With auth on, `Authorization: Bearer <room token>` is required (401 otherwise); the
    /// credentials are for the `nodeId` query parameter, else the token's subject (a random id
    /// with auth off), and never outlive the token.
    func respond(to request: Request) throws(SignalHTTPError) -> Response {
        // The token is checked before anything else: a caller without one learns nothing.
        var claims: RoomTokenClaims?
        if let tokenVerifier {
            guard let token = request.headers.bearerCredential, let verified = try? tokenVerifier.verify(token),
                !revocations.isRevoked(verified)
            else {
                throw SignalHTTPError(.unauthorized, "a valid room token is required as Authorization: Bearer <token>")
            }
            claims = verified
        }
        let nodeId = request.uri.queryParameters.get("nodeId")
        if let nodeId, !Admission.isValidIdentifier(nodeId) {
            throw SignalHTTPError(.badRequest, "nodeId must be 1 to \(Admission.maximumIdentifierBytes) bytes without control characters")
        }
        let credentials: IceServer
        if let claims {
            credentials = issuer.credentials(for: nodeId ?? claims.subject, notAfter: claims.expiresAt)
        } else {
            credentials = issuer.credentials(for: nodeId ?? UUID().uuidString.lowercased())
        }
        var response = JSONResponse.make(.ok) { credentials.writeJSON(into: &$0) }
        // Credentials are per caller and short-lived: no cache may keep or share them.
        response.headers[.cacheControl] = "no-store"
        return response
    }
}
