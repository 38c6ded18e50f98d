import CSodium

/// The one place that initialises libsodium.
///
/// `sodium_init()` must run before any other libsodium call. A `static let` is initialised
/// exactly once, lazily and thread-safely by the Swift runtime, so every entry point of the
/// crypto layer touches ``Sodium/ready`` first and never races another thread.
enum Sodium {
    /// `true` once libsodium is initialised; evaluating it performs the initialisation.
    static let ready: Bool = {
        let result = sodium_init()
        precondition(result >= 0, "libsodium failed to initialise")
        return true
    }()

    /// Fills a new array with `count` cryptographically secure random bytes.
    static func randomBytes(_ count: Int) -> [UInt8] {
        _ = ready
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, count) }
        return bytes
    }

    /// Compares two byte sequences in time that depends only on their length.
    static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        _ = ready
        guard lhs.count == rhs.count else { return false }
        if lhs.isEmpty { return true }
        return lhs.withUnsafeBytes { l in
            rhs.withUnsafeBytes { r in sodium_memcmp(l.baseAddress!, r.baseAddress!, lhs.count) == 0 }
        }
    }

    /// The SHA-256 digest of `bytes`.
    static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        _ = ready
        var digest = [UInt8](repeating: 0, count: Int(crypto_hash_sha256_BYTES))
        digest.withUnsafeMutableBufferPointer { out in
            bytes.withUnsafeBufferPointer { input in
                _ = crypto_hash_sha256(out.baseAddress!, input.baseAddress, UInt64(input.count))
            }
        }
        return digest
    }
}
