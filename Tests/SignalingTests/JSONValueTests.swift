import Signaling
import Testing

/// The byte parser behind tokens, `register` frames and `/token` bodies.
@Suite struct JSONValueTests {
    private func parse(_ text: String) -> JSONValue? { JSONValue(parsing: Array(text.utf8)) }

    @Test func readsEveryType() {
        let value = parse(#" {"s":"x","n":-1.5e2,"t":true,"f":false,"z":null,"a":[1,"2",{}],"o":{"k":[]}} "#)
        #expect(value == .object([
            "s": .string("x"), "n": .number(-150), "t": .bool(true), "f": .bool(false), "z": .null,
            "a": .array([.number(1), .string("2"), .object([:])]), "o": .object(["k": .array([])]),
        ]))
    }

    @Test func decodesEscapesAndSurrogatePairs() {
        #expect(parse(#""a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00""#) == .string("a\"b\\c/d\u{08}\u{0C}\n\r\té😀"))
        #expect(parse(#""\ud800""#) == .string("\u{FFFD}"))
        #expect(parse("\"caf\u{e9}\"") == .string("café"))
    }

    @Test func lastDuplicateKeyWinsAsInJSONParse() {
        #expect(parse(#"{"k":1,"k":2}"#)?["k"] == .number(2))
    }

    @Test(arguments: [
        "", " ", "{", "}", "[1,]", "{\"a\":1,}", "{a:1}", "'x'", "01", "1.", ".5", "-", "1e", "+1", "tru", "nul",
        "\"\u{01}\"", "\"\\x\"", "\"\\u12\"", "1 2", "{\"a\" 1}", "1e999999", "-1e999999", "1e-999999", "NaN",
    ])
    func refuses(_ text: String) {
        #expect(parse(text) == nil)
    }

    @Test func refusesInvalidUTF8InStrings() {
        #expect(JSONValue(parsing: [0x22, 0xC3, 0x28, 0x22]) == nil)
    }

    @Test func limitsNesting() {
        #expect(parse(String(repeating: "[", count: 60) + String(repeating: "]", count: 60)) != nil)
        #expect(parse(String(repeating: "[", count: 100) + String(repeating: "]", count: 100)) == nil)
    }

    @Test func keepsZeroAndSmallNumbers() {
        #expect(parse("0") == .number(0))
        #expect(parse("-0.0e5") == .number(0))
        #expect(parse("1e-300") == .number(1e-300))
    }
}
