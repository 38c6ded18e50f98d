import NIOCore

/// Encodes a command, its name and arguments as binary-safe bulk strings, into one RESP array
/// (`*N\r\n$len\r\n...\r\n`).
struct RESPCommandEncoder: MessageToByteEncoder {
    typealias OutboundIn = [ByteBuffer]

    func encode(data arguments: [ByteBuffer], out: inout ByteBuffer) {
        out.writeRESPCommand(arguments)
    }
}

extension ByteBuffer {
    /// Appends `arguments` as one RESP command: an array of bulk strings.
    mutating func writeRESPCommand(_ arguments: [ByteBuffer]) {
        var size = 16
        for argument in arguments { size += argument.readableBytes + 16 }
        reserveCapacity(minimumWritableBytes: size)
        writeRESPHeader(UInt8(ascii: "*"), count: arguments.count)
        for argument in arguments {
            writeRESPHeader(UInt8(ascii: "$"), count: argument.readableBytes)
            writeImmutableBuffer(argument)
            writeStaticString("\r\n")
        }
    }

    /// Writes `*N\r\n` or `$len\r\n`.
    private mutating func writeRESPHeader(_ type: UInt8, count: Int) {
        writeInteger(type)
        writeString(String(count))
        writeStaticString("\r\n")
    }
}
