import HTTPTypes

extension HTTPFields {
    /// The credential of `Authorization: Bearer <credential>` (scheme in any case), or `nil`
    /// when the header is absent or uses another scheme.
    var bearerCredential: String? {
        guard let authorization = self[.authorization] else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return String(parts[1])
    }
}
