@testable import Signaling
import Testing

/// `JSONScanner`, the relay path's validating scanner: what it accepts and refuses, and the
/// member ranges it reports.
@Suite struct JSONScannerTests {
    /// One scanned member, its ranges turned into text.
    struct Scanned: Equatable {
        var key: String
        var keyHasEscapes = false
        var value: String
        var stringContent: String?
        var stringHasEscapes = false
    }

    /// Scans `bytes`; returns whether it was an object and its top-level members.
    static func scan(_ bytes: [UInt8]) throws(JSONScanner.Failure) -> (isObject: Bool, members: [Scanned]) {
        var result: Result<(Bool, [Scanned]), JSONScanner.Failure> = .success((false, []))
        bytes.withUnsafeBytes { buffer in
            var members: [Scanned] = []
            do throws(JSONScanner.Failure) {
                let isObject = try JSONScanner.scanTopLevel(buffer) { member in
                    func text(_ range: Range<Int>) -> String { String(decoding: buffer[range], as: UTF8.self) }
                    members.append(
                        Scanned(
                            key: text(member.key), keyHasEscapes: member.keyHasEscapes, value: text(member.value),
                            stringContent: member.stringContent.map(text), stringHasEscapes: member.stringHasEscapes))
                }
                result = .success((isObject, members))
            } catch {
                result = .failure(error)
            }
        }
        return try result.get()
    }

    static func scan(_ text: String) throws(JSONScanner.Failure) -> (isObject: Bool, members: [Scanned]) {
        try scan(Array(text.utf8))
    }

    static func refusal(_ bytes: [UInt8]) -> JSONScanner.Failure? {
        do throws(JSONScanner.Failure) {
            _ = try scan(bytes)
            return nil
        } catch {
            return error
        }
    }

    static func refusal(_ text: String) -> JSONScanner.Failure? { refusal(Array(text.utf8)) }

    // MARK: Values

    @Test(arguments: [
        ("{}", true), (" \t\r\n{ \t\r\n} \t\r\n", true), ("[]", false), ("[1, \"a\", {}, [], true, false, null]", false),
        ("\"text\"", false), ("0", false), ("-1.5e+10", false), ("true", false), ("false", false), ("null", false),
    ])
    func acceptsOneValueOfAnyKind(text: String, isObject: Bool) throws {
        #expect(try Self.scan(text).isObject == isObject)
    }

    @Test(arguments: [
        "", " ", "{", "}", "{}}", "{} x", "{}{}", "[", "[1,]", "[,1]", "{,}", "{\"a\":1,}", "{\"a\" 1}", "{\"a\":}",
        "{\"a\":1 \"b\":2}", "{a:1}", "{'a':1}", "{\"a\";1}", "{1:1}", "{\"a\":1]", "[1}", "tru", "nul", "True", "NULL",
        "truex", "\"open", "undefined",
    ])
    func refusesMalformedJSON(text: String) {
        #expect(Self.refusal(text) == .syntax, "\(text)")
    }

    // MARK: Members

    @Test func reportsTopLevelMembersInOrderWithTheirRanges() throws {
        let scanned = try Self.scan(#"{ "type" : "offer", "n": -12.5e3, "o": {"to": "inner"}, "a": [1, {"x": 2}], "t": true, "z": null }"#)
        #expect(scanned.isObject)
        #expect(
            scanned.members == [
                Scanned(key: "type", value: #""offer""#, stringContent: "offer"),
                Scanned(key: "n", value: "-12.5e3"),
                Scanned(key: "o", value: #"{"to": "inner"}"#),
                Scanned(key: "a", value: #"[1, {"x": 2}]"#),
                Scanned(key: "t", value: "true"),
                Scanned(key: "z", value: "null"),
            ])
    }

    @Test func reportsDuplicateKeysEachTime() throws {
        let scanned = try Self.scan(#"{"to":"a","to":"b","to":1}"#)
        #expect(scanned.members.map(\.key) == ["to", "to", "to"])
        #expect(scanned.members.map(\.value) == [#""a""#, #""b""#, "1"])
    }

    @Test func marksEscapesInKeysAndStringValues() throws {
        let scanned = try Self.scan(#"{"t\u0079pe":"a\"b","plain":"c\\","empty":""}"#)
        #expect(
            scanned.members == [
                Scanned(key: #"t\u0079pe"#, keyHasEscapes: true, value: #""a\"b""#, stringContent: #"a\"b"#, stringHasEscapes: true),
                Scanned(key: "plain", value: #""c\\""#, stringContent: #"c\\"#, stringHasEscapes: true),
                Scanned(key: "empty", value: #""""#, stringContent: ""),
            ])
    }

    @Test func reportsNoMembersForAnEmptyObjectOrANonObject() throws {
        #expect(try Self.scan("{}").members.isEmpty)
        #expect(try Self.scan(#"[{"a":1}]"#).members.isEmpty)
    }

    // MARK: Strings

    @Test(arguments: [#"\""#, #"\\"#, #"\/"#, #"\b"#, #"\f"#, #"\n"#, #"\r"#, #"\t"#, #"\u00e9"#, #"\u00E9"#, #"\uFFFF"#])
    func acceptsEveryEscape(escape: String) throws {
        let member = try #require(try Self.scan(#"{"k":"a\#(escape)b"}"#).members.first)
        #expect(member.stringContent == "a\(escape)b")
        #expect(member.stringHasEscapes)
    }

    @Test(arguments: [#"\x"#, #"\'"#, #"\U00e9"#, #"\u12"#, #"\u12G4"#, #"\u"#, #"\"#, #"\0"#, #"\a"#])
    func refusesABadEscape(escape: String) {
        #expect(Self.refusal(#"{"k":"a\#(escape)"}"#) == .syntax, "\(escape)")
    }

    @Test func acceptsEscapedSurrogates() throws {
        // A pair, and a lone one: both are well-formed JSON (RFC 8259 § 8.2 leaves the lone one
        // to the receiver).
        for escaped in [#"\ud83d\ude00"#, #"\uD83D\uDE00"#, #"\ud800"#, #"\udc00x"#] {
            let member = try #require(try Self.scan(#"{"k":"\#(escaped)"}"#).members.first)
            #expect(member.stringContent == escaped)
        }
    }

    @Test func refusesControlCharactersInStringsAtEveryOffset() {
        // Offsets 0 to 19 cover both the eight-bytes-at-a-time run and the byte-wise tail.
        for control: UInt8 in [0x00, 0x01, 0x09, 0x0A, 0x0D, 0x1F] {
            for offset in 0..<20 {
                var bytes = Array(#"{"k":""#.utf8) + Array(repeating: UInt8(ascii: "a"), count: 20) + Array(#""}"#.utf8)
                bytes[6 + offset] = control
                #expect(Self.refusal(bytes) == .syntax, "control \(control) at \(offset)")
            }
        }
    }

    @Test func findsTheClosingQuoteAndEscapesAtEveryOffset() throws {
        for length in 0..<24 {
            let run = String(repeating: "a", count: length)
            #expect(try Self.scan(#"{"k":"\#(run)","n":1}"#).members.map(\.value) == [#""\#(run)""#, "1"])
            let escaped = try #require(try Self.scan(#"{"k":"\#(run)\"\#(run)"}"#).members.first)
            #expect(escaped.stringContent == #"\#(run)\"\#(run)"#)
            #expect(escaped.stringHasEscapes)
            #expect(Self.refusal(#"{"k":"\#(run)"#) == .syntax, "unterminated after \(length)")
        }
    }

    @Test func acceptsUTF8OfEveryLengthAtEveryOffset() throws {
        for character in ["é", "€", "😀", "\u{10FFFF}", "\u{E000}", "\u{D7FF}"] {
            for offset in 0..<10 {
                let text = String(repeating: "a", count: offset) + character + "b"
                #expect(try Self.scan(#"{"\#(text)":"\#(text)"}"#).members.first?.stringContent == text)
            }
        }
    }

    @Test(arguments: [
        [0x80], [0xBF], [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF],
        [0xF0, 0x80, 0x80, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF], [0xC3], [0xE2, 0x82],
        [0xF0, 0x9F, 0x98], [0xC3, 0x28], [0xE2, 0x28, 0xA1],
    ] as [[UInt8]])
    func refusesInvalidUTF8InAString(sequence: [UInt8]) {
        for offset in [0, 9] {
            let bytes = Array(#"{"k":""#.utf8) + Array(repeating: UInt8(ascii: "a"), count: offset) + sequence + Array(#"x"}"#.utf8)
            #expect(Self.refusal(bytes) == .invalidUTF8, "\(sequence) after \(offset)")
            let inKey = Array(#"{""#.utf8) + sequence + Array(#"":1}"#.utf8)
            #expect(Self.refusal(inKey) == .invalidUTF8, "\(sequence) in a key")
        }
    }

    @Test func refusesNonASCIIOutsideStringsAsSyntax() {
        // The decoder then tells invalid UTF-8 (1007) from a bad message by validating the whole frame.
        #expect(Self.refusal([UInt8(ascii: "{"), 0xFF, UInt8(ascii: "}")]) == .syntax)
        #expect(Self.refusal(Array("{\u{A0}}".utf8)) == .syntax)
    }

    // MARK: Whitespace

    @Test func acceptsTheFourJSONWhitespacesBetweenEveryToken() throws {
        let ws = " \t\r\n"
        let text = "\(ws){\(ws)\"a\"\(ws):\(ws)[\(ws)1\(ws),\(ws){\(ws)}\(ws)]\(ws),\(ws)\"b\"\(ws):\(ws)\"c\"\(ws)}\(ws)"
        #expect(try Self.scan(text).members.map(\.key) == ["a", "b"])
    }

    @Test(arguments: ["\u{0B}", "\u{0C}", "\u{A0}", "\u{2028}", "\u{FEFF}"])
    func refusesOtherWhitespace(space: String) {
        #expect(Self.refusal("{\(space)}") == .syntax)
        #expect(Self.refusal("\(space){}") == .syntax)
    }

    // MARK: Numbers

    @Test(arguments: [
        "0", "-0", "1", "-1", "10", "1.0", "0.5", "-0.5", "1e5", "1E5", "1e+5", "1e-5", "1.5E-10", "0e0",
        "123456789012345678901234567890", "1e999999",
    ])
    func acceptsNumbers(number: String) throws {
        #expect(try Self.scan("{\"n\":\(number)}").members.first?.value == number)
        #expect(try Self.scan(number).isObject == false)
    }

    @Test(arguments: ["01", "-01", "+1", "-", "1.", ".5", "1e", "1e+", "1E-", "0x10", "NaN", "Infinity", "-Infinity", "- 1", "1.5.5", "1e5e5", "--1"])
    func refusesMalformedNumbers(number: String) {
        #expect(Self.refusal("{\"n\":\(number)}") == .syntax, "\(number)")
        #expect(Self.refusal("[\(number)]") == .syntax, "\(number)")
    }

    // MARK: Depth

    @Test func acceptsNestingUpToTheMaximumDepthAndNoDeeper() throws {
        let depth = JSONScanner.maximumDepth
        func arrays(_ count: Int) -> String { String(repeating: "[", count: count) + String(repeating: "]", count: count) }
        func objects(_ count: Int) -> String {
            String(repeating: #"{"a":"#, count: count - 1) + "{}" + String(repeating: "}", count: count - 1)
        }
        #expect(try Self.scan(arrays(depth)).isObject == false)
        #expect(Self.refusal(arrays(depth + 1)) == .syntax)
        #expect(try Self.scan(objects(depth)).isObject)
        #expect(Self.refusal(objects(depth + 1)) == .syntax)
        // The top-level object counts as the first level.
        #expect(try Self.scan("{\"a\":\(arrays(depth - 1))}").members.count == 1)
        #expect(Self.refusal("{\"a\":\(arrays(depth))}") == .syntax)
        // Deep nesting far beyond the limit is refused, not a stack overflow.
        #expect(Self.refusal(String(repeating: "[", count: 100_000)) == .syntax)
    }
}
