import Signaling

/// The body of `POST /revoke`, validated: `{"jti":"…"}` or
/// `{"subject":"…","before":"<ISO 8601 time>"}`, exactly one of the two.
enum RevocationRequest {
    /// The longest `jti` or `subject` accepted, in Unicode scalars (as JSON Schema's `maxLength` counts).
    static let maximumValueLength = 256

    /// Parses and validates `body`; the error is the 400 message, naming the field.
    static func revocation(parsing body: [UInt8]) throws(RevocationRequestError) -> RevocationList.Revocation {
        guard let members = JSONValue(parsing: body)?.objectValue else {
            throw RevocationRequestError(#"body must be a JSON object: {"jti":"…"} or {"subject":"…","before":"<ISO 8601 time>"}"#)
        }
        switch Set(members.keys) {
        case ["jti"]:
            return .tokenID(try value(of: "jti", in: members))
        case ["subject", "before"]:
            let subject = try value(of: "subject", in: members)
            let text = try value(of: "before", in: members)
            guard let before = RFC3339Time.parse(text) else {
                throw RevocationRequestError("before must be an RFC 3339 (ISO 8601) time with a time zone, such as \"2026-01-01T00:00:00Z\"")
            }
            return .subject(subject, issuedBefore: before)
        default:
            throw RevocationRequestError("body must hold either jti alone, or subject and before")
        }
    }

    private static func value(of field: String, in members: [String: JSONValue]) throws(RevocationRequestError) -> String {
        guard let text = members[field]?.stringValue, (1...maximumValueLength).contains(text.unicodeScalars.count) else {
            throw RevocationRequestError("\(field) must be a string of 1 to \(maximumValueLength) characters")
        }
        return text
    }
}

/// Why a `POST /revoke` body was refused: the message of the 400.
struct RevocationRequestError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
