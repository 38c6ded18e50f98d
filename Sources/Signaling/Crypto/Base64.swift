import CSodium

/// Base64 encoding and strict decoding through libsodium's own codecs.
///
/// libsodium's decoder refuses padding where the variant has none, characters outside the
/// variant's alphabet, and non-zero trailing bits, so a token segment has exactly one accepted
/// spelling. Nothing here is hand-rolled.
public enum Base64 {
    /// The alphabet and padding rules of one base64 flavour.
    public struct Variant: Sendable, Equatable {
        let rawValue: Int32

        /// RFC 4648 § 4: `+` and `/`, padded with `=`.
        public static let standard = Variant(rawValue: sodium_base64_VARIANT_ORIGINAL)
        /// RFC 4648 § 4 without padding.
        public static let standardUnpadded = Variant(rawValue: sodium_base64_VARIANT_ORIGINAL_NO_PADDING)
        /// RFC 4648 § 5: `-` and `_`, padded with `=`.
        public static let urlSafe = Variant(rawValue: sodium_base64_VARIANT_URLSAFE)
        /// RFC 4648 § 5 without padding: the encoding of every JWS segment and JWK member.
        public static let urlSafeUnpadded = Variant(rawValue: sodium_base64_VARIANT_URLSAFE_NO_PADDING)
    }

    /// Encodes `bytes` in the given variant.
    public static func encode(_ bytes: some Collection<UInt8>, variant: Variant = .urlSafeUnpadded) -> String {
        _ = Sodium.ready
        let input = Array(bytes)
        let capacity = sodium_base64_encoded_len(input.count, variant.rawValue)
        return String(unsafeUninitializedCapacity: capacity) { output in
            output.withMemoryRebound(to: CChar.self) { chars in
                input.withUnsafeBufferPointer { bin in
                    _ = sodium_bin2base64(chars.baseAddress!, capacity, bin.baseAddress, bin.count, variant.rawValue)
                }
            }
            return capacity - 1  // sodium_bin2base64 writes a terminating NUL
        }
    }

    /// Decodes `text` strictly in the given variant; `nil` for anything that is not exactly a
    /// canonical encoding (stray characters, wrong padding, non-zero trailing bits).
    public static func decode(_ text: some StringProtocol, variant: Variant = .urlSafeUnpadded) -> [UInt8]? {
        _ = Sodium.ready
        var encoded = Array(text.utf8)
        if encoded.isEmpty { return [] }
        let capacity = encoded.count / 4 * 3 + 3
        var output = [UInt8](repeating: 0, count: capacity)
        var decodedLength = 0
        let status = encoded.withUnsafeMutableBufferPointer { input in
            input.withMemoryRebound(to: CChar.self) { chars in
                output.withUnsafeMutableBufferPointer { bin in
                    sodium_base642bin(
                        bin.baseAddress!, capacity, chars.baseAddress!, chars.count,
                        nil, &decodedLength, nil, variant.rawValue)
                }
            }
        }
        guard status == 0 else { return nil }
        output.removeSubrange(decodedLength...)
        return output
    }
}
