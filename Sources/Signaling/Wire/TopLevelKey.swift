/// The top-level member names the server reads or rewrites in a client frame.
enum TopLevelKey {
    case type, to, from, fromRole

    /// The key of `member` if it is one of these, comparing bytes (escaped keys are decoded first,
    /// so `"t\u0079pe"` is `type`, as `JSON.parse` in a browser would read it).
    static func of(_ member: JSONScanner.Member, in bytes: UnsafeRawBufferPointer) -> TopLevelKey? {
        if member.keyHasEscapes {
            switch JSONText.decodeString(bytes, member.key) {
            case "type": return .type
            case "to": return .to
            case "from": return .from
            case "fromRole": return .fromRole
            default: return nil
            }
        }
        let key = UnsafeRawBufferPointer(rebasing: bytes[member.key])
        if JSONText.equals(key, "type") { return .type }
        if JSONText.equals(key, "to") { return .to }
        if JSONText.equals(key, "from") { return .from }
        if JSONText.equals(key, "fromRole") { return .fromRole }
        return nil
    }
}

/// Small helpers over JSON bytes that have already been validated by ``JSONScanner``.
enum JSONText {
    /// Whether `bytes` are exactly the ASCII of `literal`.
    @inline(__always)
    static func equals(_ bytes: UnsafeRawBufferPointer, _ literal: StaticString) -> Bool {
        guard bytes.count == literal.utf8CodeUnitCount else { return false }
        for offset in 0..<bytes.count where bytes[offset] != literal.utf8Start[offset] {
            return false
        }
        return true
    }

    /// The string whose escaped content (between the quotes) is `content`.
    static func decodeString(_ bytes: UnsafeRawBufferPointer, _ content: Range<Int>) -> String {
        let quoted = UnsafeRawBufferPointer(rebasing: bytes[(content.lowerBound - 1)..<(content.upperBound + 1)])
        return JSONValue(parsing: quoted)?.stringValue ?? ""
    }

    /// The string value of a member scanned as a string, unescaping only when needed.
    static func string(of member: JSONScanner.Member, in bytes: UnsafeRawBufferPointer) -> String? {
        guard let content = member.stringContent else { return nil }
        if member.stringHasEscapes { return decodeString(bytes, content) }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[content]), as: UTF8.self)
    }
}
