import CSodium

/// An Ed25519 public key: 32 bytes that verify signatures, through libsodium.
public struct Ed25519PublicKey: Sendable, Hashable {
    /// The raw 32-byte key (`x` of a JWK).
    public let bytes: [UInt8]

    /// Wraps 32 raw key bytes; `nil` for any other length.
    public init?(bytes: [UInt8]) {
        guard bytes.count == Int(crypto_sign_PUBLICKEYBYTES) else { return nil }
        self.bytes = bytes
    }

    /// `true` when `signature` is a valid Ed25519 signature of `message` by this key.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        _ = Sodium.ready
        guard signature.count == Int(crypto_sign_BYTES) else { return false }
        return crypto_sign_verify_detached(signature, message, UInt64(message.count), bytes) == 0
    }
}

/// An Ed25519 private key held as libsodium's 64-byte secret key (seed followed by public key).
///
/// A reference type so that the secret exists once, in memory this type owns, and is wiped
/// with `sodium_memzero` when the last reference goes away.
public final class Ed25519PrivateKey: @unchecked Sendable {
    // Written only in `init`, wiped only in `deinit`: immutable in between, so sharing is safe.
    private let secretKey: UnsafeMutableBufferPointer<UInt8>
    /// The public half of this key.
    public let publicKey: Ed25519PublicKey

    /// Derives the key pair from a 32-byte seed (`d` of a JWK); `nil` for any other length.
    public init?(seed: [UInt8]) {
        guard seed.count == Int(crypto_sign_SEEDBYTES) else { return nil }
        _ = Sodium.ready
        var publicBytes = [UInt8](repeating: 0, count: Int(crypto_sign_PUBLICKEYBYTES))
        secretKey = .allocate(capacity: Int(crypto_sign_SECRETKEYBYTES))
        _ = crypto_sign_seed_keypair(&publicBytes, secretKey.baseAddress!, seed)
        publicKey = Ed25519PublicKey(bytes: publicBytes)!
    }

    /// Generates a fresh key pair from libsodium's secure random source.
    public convenience init() {
        self.init(seed: Sodium.randomBytes(Int(crypto_sign_SEEDBYTES)))!
    }

    /// The 32-byte seed this key was derived from (`d` of a JWK).
    public var seed: [UInt8] { Array(secretKey.prefix(Int(crypto_sign_SEEDBYTES))) }

    /// The 64-byte detached Ed25519 signature of `message`.
    public func signature(for message: [UInt8]) -> [UInt8] {
        var signature = [UInt8](repeating: 0, count: Int(crypto_sign_BYTES))
        _ = crypto_sign_detached(&signature, nil, message, UInt64(message.count), secretKey.baseAddress!)
        return signature
    }

    deinit {
        sodium_memzero(secretKey.baseAddress!, secretKey.count)
        secretKey.deallocate()
    }
}
