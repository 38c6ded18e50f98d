import HTTPTypes

extension HTTPFields {
    /// The credential of `Authorization: Bearer <credential>` (scheme in any case), or `nil`
    /// when the header is absent or uses another scheme.
    var bearerCredential: String? {
        self[.authorization].flatMap(Self.bearerCredential(in:))
    }

    /// The credential of an `Authorization` value `Bearer <credential>`, or `nil` for another scheme.
    static func bearerCredential(in authorization: String) -> String? {
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return String(parts[1])
    }
}
