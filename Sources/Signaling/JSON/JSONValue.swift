import Foundation

/// A decoded JSON value that keeps JSON's own types apart.
///
/// Claims and key members are checked by type (`exp` must be a number, not `true`; `sub` a
/// string, not `42`), which `JSONSerialization`'s bridged `NSNumber` cannot tell reliably.
/// Used off the hot path only: tokens, keys, `register` and HTTP bodies.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses `bytes` as one JSON value; `nil` when they are not valid JSON (see
    /// ``JSONValueParser`` for the exact rules).
    public init?(parsing bytes: some Collection<UInt8>) {
        let parsed = bytes.withContiguousStorageIfAvailable { JSONValueParser.parse(UnsafeRawBufferPointer($0)) }
            ?? Array(bytes).withUnsafeBytes { JSONValueParser.parse($0) }
        guard let parsed else { return nil }
        self = parsed
    }

    /// Parses the bytes of a raw buffer as one JSON value.
    public init?(parsing bytes: UnsafeRawBufferPointer) {
        guard let parsed = JSONValueParser.parse(bytes) else { return nil }
        self = parsed
    }

    /// The member `key` when this is an object that has it.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The string when this is a string.
    public var stringValue: String? {
        if case .string(let string) = self { return string }
        return nil
    }

    /// The number when this is a number.
    public var numberValue: Double? {
        if case .number(let number) = self { return number }
        return nil
    }

    /// The flag when this is `true` or `false`.
    public var boolValue: Bool? {
        if case .bool(let flag) = self { return flag }
        return nil
    }

    /// The members when this is an object.
    public var objectValue: [String: JSONValue]? {
        if case .object(let members) = self { return members }
        return nil
    }
}
