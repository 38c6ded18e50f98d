import NIOCore

/// Decodes RESP2 replies from the bytes Redis sends, one ``RESPValue`` per reply.
///
/// A reply split at any byte waits for the rest; many replies in one read come out one by one.
/// Each attempt parses from the start of the pending bytes and consumes nothing until a whole
/// reply is there, so no partial state is kept between reads.
struct RESPDecoder: NIOSingleStepByteToMessageDecoder {
    typealias InboundOut = RESPValue

    /// The largest bulk string accepted, as Redis's own `proto-max-bulk-len` default.
    static let maximumBulkLength = 512 * 1024 * 1024
    /// The deepest nesting of arrays accepted.
    static let maximumDepth = 32
    /// The longest status, error or integer line accepted; a longer one is a broken stream.
    static let maximumLineLength = 64 * 1024

    /// What makes the byte stream unusable: the connection is closed and opened again.
    struct ProtocolError: Error, CustomStringConvertible {
        /// What was wrong.
        let reason: String
        var description: String { "RESP protocol error: \(reason)" }
    }

    mutating func decode(buffer: inout ByteBuffer) throws -> RESPValue? {
        var reader = buffer
        guard let value = try Self.readValue(from: &reader, depth: 0) else { return nil }
        buffer.moveReaderIndex(to: reader.readerIndex)
        return value
    }

    mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> RESPValue? {
        try decode(buffer: &buffer)
    }

    /// Reads one whole value, or returns `nil` (having consumed bytes of `buffer` that the
    /// caller then drops) when it is not all there yet.
    private static func readValue(from buffer: inout ByteBuffer, depth: Int) throws -> RESPValue? {
        guard let type = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return nil }
        buffer.moveReaderIndex(forwardBy: 1)
        guard let line = try readLine(from: &buffer) else { return nil }
        switch type {
        case UInt8(ascii: "+"):
            return .simpleString(String(buffer: line))
        case UInt8(ascii: "-"):
            return .error(String(buffer: line))
        case UInt8(ascii: ":"):
            return .integer(try integer(in: line))
        case UInt8(ascii: "$"):
            let length = try integer(in: line)
            if length == -1 { return .bulkString(nil) }
            guard length >= 0, length <= maximumBulkLength else {
                throw ProtocolError(reason: "a bulk string of \(length) bytes")
            }
            guard buffer.readableBytes >= Int(length) + 2 else { return nil }
            let bytes = buffer.readSlice(length: Int(length))!
            guard buffer.readInteger(as: UInt16.self) == 0x0D0A else {
                throw ProtocolError(reason: "a bulk string not followed by CRLF")
            }
            return .bulkString(bytes)
        case UInt8(ascii: "*"):
            let count = try integer(in: line)
            if count == -1 { return .array(nil) }
            guard count >= 0 else { throw ProtocolError(reason: "an array of \(count) elements") }
            guard depth < maximumDepth else { throw ProtocolError(reason: "arrays nested deeper than \(maximumDepth)") }
            // Each element takes at least three bytes: no more capacity than the bytes at hand.
            var elements: [RESPValue] = []
            elements.reserveCapacity(min(Int(count), buffer.readableBytes / 3))
            for _ in 0..<count {
                guard let element = try readValue(from: &buffer, depth: depth + 1) else { return nil }
                elements.append(element)
            }
            return .array(elements)
        default:
            throw ProtocolError(reason: "unknown type byte \(type)")
        }
    }

    /// Reads the bytes up to the next CRLF and consumes the CRLF; `nil` when it has not arrived.
    private static func readLine(from buffer: inout ByteBuffer) throws -> ByteBuffer? {
        let view = buffer.readableBytesView
        guard let carriageReturn = view.firstIndex(of: UInt8(ascii: "\r")) else {
            guard view.count <= maximumLineLength else { throw ProtocolError(reason: "a line longer than \(maximumLineLength) bytes") }
            return nil
        }
        let length = carriageReturn - view.startIndex
        guard length <= maximumLineLength else { throw ProtocolError(reason: "a line longer than \(maximumLineLength) bytes") }
        guard let lineFeed = buffer.getInteger(at: carriageReturn + 1, as: UInt8.self) else { return nil }
        guard lineFeed == UInt8(ascii: "\n") else { throw ProtocolError(reason: "a CR not followed by LF") }
        let line = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: 2)
        return line
    }

    /// The decimal integer a line holds (`-` allowed), without going through a `String`.
    private static func integer(in line: ByteBuffer) throws -> Int64 {
        var digits = line.readableBytesView[...]
        let negative = digits.first == UInt8(ascii: "-")
        if negative { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.count <= 19 else { throw ProtocolError(reason: "an invalid integer") }
        var value: Int64 = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { throw ProtocolError(reason: "an invalid integer") }
            let (multiplied, overflowed) = value.multipliedReportingOverflow(by: 10)
            // A negative number is built downwards: its magnitude may exceed Int64.max by one
            // (Int64.min, which Redis sends for `DECR` down to the minimum).
            let step = Int64(digit - UInt8(ascii: "0"))
            let (added, overflowedAgain) =
                negative ? multiplied.subtractingReportingOverflow(step) : multiplied.addingReportingOverflow(step)
            guard !overflowed, !overflowedAgain else { throw ProtocolError(reason: "an integer out of range") }
            value = added
        }
        return value
    }
}
