import Signaling

/// The body of `POST /token`, validated: `{"ttl":"24h","subject":"user-123"}`.
struct TokenRequest {
    /// The longest subject accepted, in UTF-16 code units (JavaScript's `length`).
    static let maximumSubjectLength = 256
    /// The largest body read; a longer one is a 413.
    static let maximumBodyBytes = 64 * 1024

    /// The token's lifetime.
    let timeToLive: TimeToLive
    /// The room: `subject`, or `"default"`.
    let subject: String

    /// Parses and validates `body`; the error is the 400 message, naming the field.
    init(body: [UInt8], maximumTTL: TimeToLive) throws(TokenRequestError) {
        guard let members = JSONValue(parsing: body)?.objectValue else {
            throw TokenRequestError("body must be a JSON object such as {\"ttl\":\"24h\",\"subject\":\"user-123\"}")
        }
        guard let ttl = members["ttl"] else { throw TokenRequestError("ttl is required, such as \"24h\"") }
        guard let ttlText = ttl.stringValue else { throw TokenRequestError("ttl must be a string, such as \"24h\"") }
        do {
            timeToLive = try TimeToLive(parsing: ttlText, maximum: maximumTTL)
        } catch {
            throw TokenRequestError("ttl \(error.description)")
        }
        switch members["subject"] {
        case nil:
            subject = "default"
        case .string(let text)?:
            guard !text.isEmpty, text.utf16.count <= Self.maximumSubjectLength else {
                throw TokenRequestError("subject must be 1 to \(Self.maximumSubjectLength) characters")
            }
            subject = text
        case .number(let number)?:
            // The JS server coerces a number to its decimal string; so do we.
            subject = number == number.rounded() && abs(number) < 9e18 ? String(Int64(number)) : String(number)
        default:
            throw TokenRequestError("subject must be a string or a number")
        }
    }
}

/// Why a `POST /token` body was refused: the message of the 400.
struct TokenRequestError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
