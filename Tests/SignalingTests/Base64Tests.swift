import Signaling
import Testing

@Suite struct Base64Tests {
    static let allVariants: [Base64.Variant] = [.standard, .standardUnpadded, .urlSafe, .urlSafeUnpadded]

    /// RFC 4648 § 10.
    static let rfc4648: [(text: String, padded: String)] = [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
    ]

    @Test func encodesTheRFC4648Vectors() {
        for (text, padded) in Self.rfc4648 {
            let bytes = Array(text.utf8)
            let unpadded = String(padded.filter { $0 != "=" })
            #expect(Base64.encode(bytes, variant: .standard) == padded)
            #expect(Base64.encode(bytes, variant: .urlSafe) == padded)
            #expect(Base64.encode(bytes, variant: .standardUnpadded) == unpadded)
            #expect(Base64.encode(bytes) == unpadded, "url-safe unpadded is the default")
            #expect(Base64.decode(padded, variant: .standard) == bytes)
            #expect(Base64.decode(unpadded) == bytes)
        }
    }

    @Test func usesEachVariantsAlphabet() {
        // 0xfb 0xff splits into 62, 63, 60: the two characters the alphabets disagree on.
        let bytes: [UInt8] = [0xfb, 0xff]
        #expect(Base64.encode(bytes, variant: .standard) == "+/8=")
        #expect(Base64.encode(bytes, variant: .standardUnpadded) == "+/8")
        #expect(Base64.encode(bytes, variant: .urlSafe) == "-_8=")
        #expect(Base64.encode(bytes, variant: .urlSafeUnpadded) == "-_8")
        #expect(Base64.decode("-_8") == bytes)
        #expect(Base64.decode("+/8=", variant: .standard) == bytes)
    }

    @Test(arguments: allVariants)
    func roundTripsEveryLength(_ variant: Base64.Variant) {
        for count in 0...70 {
            let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect(Base64.decode(Base64.encode(bytes, variant: variant), variant: variant) == bytes, "length \(count)")
        }
    }

    @Test func roundTripsEveryByteValue() {
        let bytes = (0...255).map(UInt8.init)
        #expect(Base64.decode(Base64.encode(bytes)) == bytes)
    }

    @Test(arguments: [
        "Zg==", "Zg=", "Zm8=", "-_8=",  // padding
        "+/8", "Zm+v", "Zm/v",  // the standard alphabet
        " Zm9v", "Zm9v ", "Zm 9v", "Zm9v\n", "Zm9v\r\n", "\tZm9v",  // whitespace
        "Zm9v!", "Zm9*", "Zm.9", "Zm9é", "Zm9v\u{0}",  // stray characters
        "Z", "Zm9vY",  // a length no encoding has
    ])
    func strictDecodingRefuses(_ text: String) {
        #expect(Base64.decode(text) == nil)
    }

    @Test func refusesNonCanonicalTrailingBits() {
        // "A" is 0x41 = 010000|01: "QQ" leaves the four unused bits zero, "QR" sets one.
        #expect(Base64.decode("QQ") == [0x41])
        for text in ["QR", "QX", "Qf"] {
            #expect(Base64.decode(text) == nil, "\(text)")
        }
        // "AB" leaves two unused bits: "QUI" is canonical, "QUJ" is not.
        #expect(Base64.decode("QUI") == [0x41, 0x42])
        #expect(Base64.decode("QUJ") == nil)
        #expect(Base64.decode("QR==", variant: .standard) == nil)
    }

    @Test func paddedVariantsRequireTheirPadding() {
        #expect(Base64.decode("Zg", variant: .standard) == nil)
        #expect(Base64.decode("Zg=", variant: .standard) == nil)
        #expect(Base64.decode("Zg===", variant: .standard) == nil)
        #expect(Base64.decode("-_8=", variant: .standard) == nil, "the URL alphabet is not the standard one")
        #expect(Base64.decode("+/8=", variant: .urlSafe) == nil, "the standard alphabet is not the URL one")
    }

    @Test func decodesTheEmptyStringToNoBytes() {
        #expect(Base64.decode("") == [])
    }
}
