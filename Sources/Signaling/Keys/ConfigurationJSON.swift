/// A JSON document given as a configuration value (`PRIVATE_KEY_JWK`, `CONSUMER_PUBLIC_KEY_JWK`):
/// the raw JSON when it starts with `{` or `[`, otherwise base64 of it in the standard or URL
/// alphabet, padded or not, and wrapped over lines or not (as `base64` without `-w0` writes it).
enum ConfigurationJSON {
    /// The JSON bytes of `value`, or `nil` when it is neither JSON-looking nor base64 of anything.
    static func bytes(of value: String) -> [UInt8]? {
        let trimmed = value.trimmingASCIIWhitespace()
        if trimmed.hasPrefix("{") || trimmed.hasPrefix("[") {
            return Array(trimmed.utf8)
        }
        let encoded = String(trimmed.filter { !$0.isWhitespace })
        let variants: [Base64.Variant] = [.standard, .standardUnpadded, .urlSafe, .urlSafeUnpadded]
        return variants.lazy.compactMap { Base64.decode(encoded, variant: $0) }.first { !$0.isEmpty }
    }
}
