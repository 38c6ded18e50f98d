import Crypto

/// A Lua script, run with `EVALSHA` by its SHA1 (computed here, not asked of Redis), falling
/// back to `EVAL` with the source when Redis answers `NOSCRIPT` (after a restart or a
/// `SCRIPT FLUSH`), which also caches it again.
public struct RedisScript: Sendable {
    /// The Lua source.
    public let source: String
    /// The SHA1 of the source as lowercase hex, the name `EVALSHA` knows the script by.
    public let sha1: String

    /// A script with the given Lua source.
    public init(_ source: String) {
        self.source = source
        self.sha1 = Insecure.SHA1.hash(data: Array(source.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
