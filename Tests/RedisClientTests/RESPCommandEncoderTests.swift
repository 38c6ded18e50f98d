import NIOCore
@testable import RedisClient
import TestServices
import Testing

/// ``RESPCommandEncoder``'s bytes, checked literally and by what a real `redis-server` makes
/// of them.
@Suite struct RESPCommandEncoderTests {
    @Test func encodesAnArrayOfBulkStrings() {
        var buffer = ByteBuffer()
        buffer.writeRESPCommand([ByteBuffer(string: "SET"), ByteBuffer(string: "key"), ByteBuffer()])
        #expect(String(buffer: buffer) == "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$0\r\n\r\n")
    }

    @Test func binaryKeysAndValuesReachRedisUnchanged() async throws {
        try await RedisServer.with { server in
            let key = ByteBuffer(bytes: [0, 13, 10, 42, 255])
            let value = ByteBuffer(bytes: Array("*1\r\n$3\r\nGET\r\n".utf8) + [0, 0, 200])
            var request = ByteBuffer()
            request.writeRESPCommand([ByteBuffer(string: "SET"), key, value])
            request.writeRESPCommand([ByteBuffer(string: "STRLEN"), key])
            request.writeRESPCommand([ByteBuffer(string: "GET"), key])
            request.writeRESPCommand([ByteBuffer(string: "DBSIZE")])
            let replies = try RESPReplies.decode(try await RawExchange.send(request, port: server.port, replies: 4))
            #expect(replies == [.simpleString("OK"), .integer(Int64(value.readableBytes)), .bulkString(value), .integer(1)])
        }
    }

    @Test func commandWithManyArgumentsIsOneCommand() async throws {
        try await RedisServer.with { server in
            let members = (0..<1000).map { "member-\($0)" }
            let raw = try await RawExchange.send(RawExchange.encoded([["SADD", "set"] + members, ["SCARD", "set"]]), port: server.port, replies: 2)
            #expect(try RESPReplies.decode(raw) == [.integer(1000), .integer(1000)])
        }
    }
}
