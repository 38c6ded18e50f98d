public import NIOCore

/// A RESP2 value: a reply from Redis, or one of its elements.
public enum RESPValue: Sendable, Equatable {
    /// A status reply (`+OK`).
    case simpleString(String)
    /// An error reply (`-ERR ...`), its text without the leading `-`.
    case error(String)
    /// An integer reply (`:42`).
    case integer(Int64)
    /// A binary-safe bulk string (`$3\r\nfoo`); `nil` is the null bulk string (`$-1`).
    case bulkString(ByteBuffer?)
    /// An array of values (`*2\r\n...`); `nil` is the null array (`*-1`).
    case array([RESPValue]?)
}

extension RESPValue {
    /// The text of a simple string, or of a bulk string decoded as UTF-8; `nil` for anything else.
    public var string: String? {
        switch self {
        case .simpleString(let text): text
        case .bulkString(let bytes?): String(buffer: bytes)
        default: nil
        }
    }

    /// An integer reply, or a bulk string holding a decimal integer (as `GET` of a counter
    /// returns); `nil` for anything else.
    public var int: Int64? {
        switch self {
        case .integer(let value): value
        case .bulkString(let bytes?): Int64(String(buffer: bytes))
        default: nil
        }
    }

    /// The elements of an array reply; `nil` for the null array and anything else.
    public var array: [RESPValue]? {
        if case .array(let elements) = self { elements } else { nil }
    }
}
