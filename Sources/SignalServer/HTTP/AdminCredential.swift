import HTTPTypes
import Hummingbird

/// Where `POST /token` finds the admin secret: `x-admin-secret`, or else `Authorization`
/// as `Bearer S` (scheme in any case) or a bare `S`.
enum AdminCredential {
    private static let adminSecretHeader = HTTPField.Name("x-admin-secret")!

    /// The presented secret, or `nil` when the request carries none.
    static func presented(in headers: HTTPFields) -> String? {
        if let secret = headers[adminSecretHeader] { return secret }
        return headers.bearerCredential ?? headers[.authorization]
    }
}
