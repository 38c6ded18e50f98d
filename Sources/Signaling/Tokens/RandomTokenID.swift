import CSodium

/// A fresh `jti` for a minted token: a random (version 4) UUID in lowercase, from libsodium's
/// generator.
///
/// Foundation's `UUID()` asks the kernel for its bytes on every call and `uuidString` is
/// uppercase, so the mint path paid a system call and a Unicode `lowercased()` per token.
enum RandomTokenID {
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// A new identifier such as `0f8fad5b-d9cb-469f-a165-70867728950e`.
    static func make() -> String {
        _ = Sodium.ready
        var bytes: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &bytes) { randombytes_buf($0.baseAddress!, 16) }
        return withUnsafeMutableBytes(of: &bytes) { raw in
            raw[6] = raw[6] & 0x0F | 0x40  // version 4
            raw[8] = raw[8] & 0x3F | 0x80  // RFC 4122 variant
            return String(unsafeUninitializedCapacity: 36) { text in
                var index = 0
                for (position, byte) in raw.enumerated() {
                    if position == 4 || position == 6 || position == 8 || position == 10 {
                        text[index] = UInt8(ascii: "-")
                        index += 1
                    }
                    text[index] = hexDigits[Int(byte >> 4)]
                    text[index + 1] = hexDigits[Int(byte & 0x0F)]
                    index += 2
                }
                return index
            }
        }
    }
}
