import Signaling
import Testing

/// One test vector of RFC 8032 § 7.1 ("Test Vectors for Ed25519").
struct RFC8032Vector: Sendable, CustomTestStringConvertible {
    let name: String
    let secretKey: String
    let publicKey: String
    let message: String
    let signature: String
    var testDescription: String { name }
}

@Suite struct Ed25519Tests {
    static let vectors: [RFC8032Vector] = [
        RFC8032Vector(
            name: "TEST 1",
            secretKey: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            publicKey: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            message: "",
            signature: "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
                + "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
        RFC8032Vector(
            name: "TEST 2",
            secretKey: "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            publicKey: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
            message: "72",
            signature: "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
                + "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
        RFC8032Vector(
            name: "TEST 3",
            secretKey: "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
            publicKey: "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
            message: "af82",
            signature: "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
                + "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"),
    ]

    @Test(arguments: vectors)
    func derivesThePublicKey(_ vector: RFC8032Vector) throws {
        let key = try #require(Ed25519PrivateKey(seed: [UInt8](hex: vector.secretKey)))
        #expect(key.publicKey.bytes == [UInt8](hex: vector.publicKey))
        #expect(key.seed == [UInt8](hex: vector.secretKey))
    }

    @Test(arguments: vectors)
    func signsExactlyAsTheRFC(_ vector: RFC8032Vector) throws {
        let key = try #require(Ed25519PrivateKey(seed: [UInt8](hex: vector.secretKey)))
        #expect(key.signature(for: [UInt8](hex: vector.message)) == [UInt8](hex: vector.signature))
    }

    @Test(arguments: vectors)
    func verifiesTheRFCSignature(_ vector: RFC8032Vector) throws {
        let publicKey = try #require(Ed25519PublicKey(bytes: [UInt8](hex: vector.publicKey)))
        #expect(publicKey.isValidSignature([UInt8](hex: vector.signature), for: [UInt8](hex: vector.message)))
    }

    @Test(arguments: vectors)
    func refusesAChangedMessage(_ vector: RFC8032Vector) throws {
        let publicKey = try #require(Ed25519PublicKey(bytes: [UInt8](hex: vector.publicKey)))
        let message = [UInt8](hex: vector.message)
        let signature = [UInt8](hex: vector.signature)
        // TEST 1 signs the empty message, which has no bit to flip: extend it instead.
        #expect(!publicKey.isValidSignature(signature, for: message + [0]))
        for index in message.indices {
            for bit in [0, 7] {
                #expect(!publicKey.isValidSignature(signature, for: message.flippingBit(bit, ofByte: index)))
            }
        }
    }

    @Test(arguments: vectors)
    func refusesAFlippedSignatureBit(_ vector: RFC8032Vector) throws {
        let publicKey = try #require(Ed25519PublicKey(bytes: [UInt8](hex: vector.publicKey)))
        let message = [UInt8](hex: vector.message)
        let signature = [UInt8](hex: vector.signature)
        // Bytes 0..<32 are R, 32..<64 are S: break each half at both ends.
        for index in [0, 31, 32, 63] {
            #expect(!publicKey.isValidSignature(signature.flippingBit(0, ofByte: index), for: message))
        }
    }

    @Test func refusesAnotherKeysSignature() throws {
        let first = try #require(Ed25519PrivateKey(seed: [UInt8](hex: Self.vectors[0].secretKey)))
        let second = try #require(Ed25519PrivateKey(seed: [UInt8](hex: Self.vectors[1].secretKey)))
        let message = Array("room token".utf8)
        #expect(first.publicKey.isValidSignature(first.signature(for: message), for: message))
        #expect(!second.publicKey.isValidSignature(first.signature(for: message), for: message))
    }

    @Test func refusesSignaturesOfTheWrongLength() throws {
        let vector = Self.vectors[1]
        let publicKey = try #require(Ed25519PublicKey(bytes: [UInt8](hex: vector.publicKey)))
        let signature = [UInt8](hex: vector.signature)
        let message = [UInt8](hex: vector.message)
        #expect(!publicKey.isValidSignature(Array(signature.dropLast()), for: message))
        #expect(!publicKey.isValidSignature(signature + [0], for: message))
        #expect(!publicKey.isValidSignature([], for: message))
    }

    @Test(arguments: [0, 31, 33, 64])
    func refusesKeyMaterialOfTheWrongLength(_ count: Int) {
        #expect(Ed25519PrivateKey(seed: [UInt8](repeating: 1, count: count)) == nil)
        #expect(Ed25519PublicKey(bytes: [UInt8](repeating: 1, count: count)) == nil)
    }

    @Test func generatesDistinctWorkingKeys() {
        let first = Ed25519PrivateKey()
        let second = Ed25519PrivateKey()
        #expect(first.seed != second.seed)
        #expect(first.publicKey != second.publicKey)
        // A generated key is the key its own seed derives.
        #expect(Ed25519PrivateKey(seed: first.seed)?.publicKey == first.publicKey)
        let message = Array("hello".utf8)
        #expect(first.publicKey.isValidSignature(first.signature(for: message), for: message))
    }
}
