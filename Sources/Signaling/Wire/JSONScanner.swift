/// A validating, allocation-free JSON scanner for the relay hot path.
///
/// It checks that a frame is one well-formed JSON value (RFC 8259, UTF-8 inside strings, at
/// most ``maximumDepth`` levels of nesting) and reports the top-level members of an object as
/// byte ranges, so a relay can read `type` and `to` and splice the rest through unchanged
/// without ever building a dictionary or a `String` of the payload.
struct JSONScanner {
    /// Why a frame did not scan.
    enum Failure: Error {
        /// Not well-formed JSON (or nested too deeply).
        case syntax
        /// A string holds bytes that are not UTF-8.
        case invalidUTF8
    }

    /// One top-level member of an object.
    struct Member {
        /// The key's bytes between its quotes (still escaped).
        var key: Range<Int>
        /// Whether the key contains a backslash escape.
        var keyHasEscapes: Bool
        /// The whole value, from its first to its last byte.
        var value: Range<Int>
        /// For a string value: its bytes between the quotes (still escaped).
        var stringContent: Range<Int>?
        /// For a string value: whether it contains a backslash escape.
        var stringHasEscapes: Bool
    }

    /// Nesting deeper than this is refused: JSON from a signaling client never needs it, and a
    /// recursive scanner must not let a client choose its stack depth.
    static let maximumDepth = 32

    private let bytes: UnsafeRawBufferPointer
    private var index = 0

    private init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Scans `bytes` as a single JSON value. When it is an object, calls `onMember` for each
    /// top-level member in order and returns `true`; returns `false` for any other JSON value.
    static func scanTopLevel(
        _ bytes: UnsafeRawBufferPointer, onMember: (Member) -> Void
    ) throws(Failure) -> Bool {
        var scanner = JSONScanner(bytes)
        scanner.skipWhitespace()
        let isObject = scanner.peek() == UInt8(ascii: "{")
        if isObject {
            try scanner.scanObject(depth: 1, onMember: onMember)
        } else {
            try scanner.scanValue(depth: 1)
        }
        scanner.skipWhitespace()
        guard scanner.index == bytes.count else { throw .syntax }
        return isObject
    }

    // MARK: - Grammar

    @inline(__always)
    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    @inline(__always)
    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    @inline(__always)
    private mutating func expect(_ byte: UInt8) throws(Failure) {
        guard index < bytes.count, bytes[index] == byte else { throw .syntax }
        index += 1
    }

    private mutating func scanValue(depth: Int) throws(Failure) {
        guard let byte = peek() else { throw .syntax }
        switch byte {
        case UInt8(ascii: "{"): try scanObject(depth: depth, onMember: { _ in })
        case UInt8(ascii: "["): try scanArray(depth: depth)
        case UInt8(ascii: "\""): _ = try scanString()
        case UInt8(ascii: "t"): try scanLiteral("true")
        case UInt8(ascii: "f"): try scanLiteral("false")
        case UInt8(ascii: "n"): try scanLiteral("null")
        default: try scanNumber()
        }
    }

    private mutating func scanObject(depth: Int, onMember: (Member) -> Void) throws(Failure) {
        guard depth <= Self.maximumDepth else { throw .syntax }
        try expect(UInt8(ascii: "{"))
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw .syntax }
            let (key, keyHasEscapes) = try scanString()
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            let valueStart = index
            var stringContent: Range<Int>?
            var stringHasEscapes = false
            if peek() == UInt8(ascii: "\"") {
                (stringContent, stringHasEscapes) = try scanString()
            } else {
                try scanValue(depth: depth + 1)
            }
            onMember(
                Member(
                    key: key, keyHasEscapes: keyHasEscapes, value: valueStart..<index,
                    stringContent: stringContent, stringHasEscapes: stringHasEscapes))
            skipWhitespace()
            guard let separator = peek() else { throw .syntax }
            index += 1
            if separator == UInt8(ascii: "}") { return }
            guard separator == UInt8(ascii: ",") else { throw .syntax }
        }
    }

    private mutating func scanArray(depth: Int) throws(Failure) {
        guard depth <= Self.maximumDepth else { throw .syntax }
        try expect(UInt8(ascii: "["))
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            try scanValue(depth: depth + 1)
            skipWhitespace()
            guard let separator = peek() else { throw .syntax }
            index += 1
            if separator == UInt8(ascii: "]") { return }
            guard separator == UInt8(ascii: ",") else { throw .syntax }
        }
    }

    /// Scans a string starting at its opening quote; returns the range between the quotes.
    private mutating func scanString() throws(Failure) -> (Range<Int>, Bool) {
        try expect(UInt8(ascii: "\""))
        let start = index
        var hasEscapes = false
        while index < bytes.count {
            // Eight plain bytes at a time: SDP and candidates are long runs of printable ASCII.
            while index + 8 <= bytes.count,
                !Self.needsAttention(bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            {
                index += 8
            }
            guard index < bytes.count else { break }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return (start..<(index - 1), hasEscapes)
            } else if byte == UInt8(ascii: "\\") {
                hasEscapes = true
                try scanEscape()
            } else if byte < 0x20 {
                throw .syntax
            } else if byte < 0x80 {
                index += 1
            } else {
                guard let length = UTF8Validation.sequenceLength(in: bytes, at: index) else { throw .invalidUTF8 }
                index += length
            }
        }
        throw .syntax
    }

    /// Whether any of the eight bytes in `word` ends a plain string run: a quote, a
    /// backslash, a control character (< 0x20) or a non-ASCII byte (SWAR, no branches per byte).
    @inline(__always)
    private static func needsAttention(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        let quotes = word ^ (ones &* UInt64(UInt8(ascii: "\"")))
        let backslashes = word ^ (ones &* UInt64(UInt8(ascii: "\\")))
        let zeroByte = { (value: UInt64) in (value &- ones) & ~value & highBits }
        let control = (word &- ones &* 0x20) & ~word & highBits
        return (zeroByte(quotes) | zeroByte(backslashes) | control | (word & highBits)) != 0
    }

    private mutating func scanEscape() throws(Failure) {
        index += 1  // the backslash
        guard let escaped = peek() else { throw .syntax }
        index += 1
        switch escaped {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
            UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return
        case UInt8(ascii: "u"):
            guard index + 4 <= bytes.count else { throw .syntax }
            for offset in 0..<4 where !bytes[index + offset].isHexDigit {
                throw .syntax
            }
            index += 4
        default:
            throw .syntax
        }
    }

    private mutating func scanLiteral(_ literal: StaticString) throws(Failure) {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw .syntax }
        for offset in 0..<count where bytes[index + offset] != literal.utf8Start[offset] {
            throw .syntax
        }
        index += count
    }

    private mutating func scanNumber() throws(Failure) {
        if peek() == UInt8(ascii: "-") { index += 1 }
        guard let first = peek(), first.isDigit else { throw .syntax }
        index += 1
        if first != UInt8(ascii: "0") { skipDigits() }
        if peek() == UInt8(ascii: ".") {
            index += 1
            guard peek()?.isDigit == true else { throw .syntax }
            skipDigits()
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            guard peek()?.isDigit == true else { throw .syntax }
            skipDigits()
        }
    }

    @inline(__always)
    private mutating func skipDigits() {
        while let byte = peek(), byte.isDigit { index += 1 }
    }
}

extension UInt8 {
    @inline(__always) fileprivate var isDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
    @inline(__always) fileprivate var isHexDigit: Bool {
        isDigit || (self | 0x20 >= UInt8(ascii: "a") && self | 0x20 <= UInt8(ascii: "f"))
    }
}
