/// RFC 3629 UTF-8 validation over raw bytes.
///
/// WebSocket text frames must be valid UTF-8 (RFC 6455 § 8.1, close 1007 otherwise). The JSON
/// scanner validates multi-byte sequences inside strings as it goes, which is the only place
/// valid JSON can hold them; this whole-buffer check runs only after a frame has already failed
/// to scan, to decide between `BAD_MESSAGE` and 1007.
enum UTF8Validation {
    /// The length of the valid multi-byte sequence starting at `index` (whose first byte is
    /// 0x80 or above), or `nil` when it is not one.
    @inline(__always)
    static func sequenceLength(in bytes: UnsafeRawBufferPointer, at index: Int) -> Int? {
        let lead = bytes[index]
        let length: Int
        var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; upper = 0x9F
        case 0xF0: length = 4; lower = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; upper = 0x8F
        default: return nil
        }
        guard index + length <= bytes.count else { return nil }
        let second = bytes[index + 1]
        guard second >= lower && second <= upper else { return nil }
        var offset = 2
        while offset < length {
            guard bytes[index + offset] & 0xC0 == 0x80 else { return nil }
            offset += 1
        }
        return length
    }

    /// `true` when all of `bytes` is valid UTF-8.
    static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        while index < bytes.count {
            if bytes[index] < 0x80 {
                index += 1
            } else if let length = sequenceLength(in: bytes, at: index) {
                index += length
            } else {
                return false
            }
        }
        return true
    }
}
