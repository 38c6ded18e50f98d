import NIOCore
@testable import RedisClient

/// Feeds bytes through ``RESPDecoder`` the way the client's pipeline does.
enum RESPReplies {
    /// Every whole reply in `bytes`, decoded from one read.
    static func decode(_ bytes: ByteBuffer) throws -> [RESPValue] {
        try decode(chunks: [bytes]).map(\.value)
    }

    /// Every whole reply in `bytes` fed one byte per read, each with the number of bytes fed
    /// when it came out.
    static func decodeByteByByte(_ bytes: ByteBuffer) throws -> [(value: RESPValue, afterBytes: Int)] {
        try decode(chunks: bytes.readableBytesView.map { ByteBuffer(bytes: [$0]) })
    }

    /// Every whole reply in `chunks` fed one chunk per read, each with the number of bytes fed
    /// when it came out.
    static func decode(chunks: [ByteBuffer]) throws -> [(value: RESPValue, afterBytes: Int)] {
        let processor = NIOSingleStepByteToMessageProcessor(RESPDecoder())
        var values: [(value: RESPValue, afterBytes: Int)] = []
        var fed = 0
        for chunk in chunks {
            fed += chunk.readableBytes
            try processor.process(buffer: chunk) { values.append(($0, fed)) }
        }
        return values
    }
}
