public import NIOCore

extension ByteBuffer {
    /// Writes `string` as a JSON string literal, quotes included, escaping what RFC 8259 requires.
    @discardableResult
    public mutating func writeJSONString(_ string: String) -> Int {
        let start = writerIndex
        writeInteger(UInt8(ascii: "\""))
        // Most strings (tokens, ids, timestamps) need no escape: one scan, one copy.
        let needsNoEscape = string.utf8.withContiguousStorageIfAvailable { bytes in
            !bytes.contains { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 }
        }
        if needsNoEscape == true {
            writeString(string)
            writeInteger(UInt8(ascii: "\""))
            return writerIndex - start
        }
        var pendingStart = string.utf8.startIndex
        var index = pendingStart
        let utf8 = string.utf8
        while index != utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 {
                writeBytes(utf8[pendingStart..<index])
                switch byte {
                case UInt8(ascii: "\""): writeStaticString("\\\"")
                case UInt8(ascii: "\\"): writeStaticString("\\\\")
                case 0x0A: writeStaticString("\\n")
                case 0x0D: writeStaticString("\\r")
                case 0x09: writeStaticString("\\t")
                default:
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    writeStaticString("\\u00")
                    writeInteger(hex[Int(byte >> 4)])
                    writeInteger(hex[Int(byte & 0x0F)])
                }
                pendingStart = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        writeBytes(utf8[pendingStart..<index])
        writeInteger(UInt8(ascii: "\""))
        return writerIndex - start
    }
}
