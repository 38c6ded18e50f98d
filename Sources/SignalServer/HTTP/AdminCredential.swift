import HTTPTypes
import NIOHTTP1

/// Where `POST /token` finds the admin secret: `x-admin-secret`, or else `Authorization`
/// as `Bearer S` (scheme in any case) or a bare `S`.
enum AdminCredential {
    private static let adminSecretHeader = HTTPField.Name("x-admin-secret")!

    /// The presented secret, or `nil` when the request carries none.
    static func presented(in headers: HTTPFields) -> String? {
        presented(adminSecretField: headers[adminSecretHeader], authorization: headers[.authorization])
    }

    /// The presented secret in a SwiftNIO request head, read as ``presented(in:)-(HTTPFields)``
    /// reads it (repeated fields joined with `", "`, as `HTTPFields` joins them).
    static func presented(in headers: HTTPHeaders) -> String? {
        func field(_ name: String) -> String? {
            let values = headers[name]
            return values.isEmpty ? nil : values.joined(separator: ", ")
        }
        return presented(adminSecretField: field(adminSecretHeader.canonicalName), authorization: field("authorization"))
    }

    private static func presented(adminSecretField: String?, authorization: String?) -> String? {
        if let adminSecretField { return adminSecretField }
        guard let authorization else { return nil }
        return HTTPFields.bearerCredential(in: authorization) ?? authorization
    }
}
