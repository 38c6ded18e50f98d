import NIOCore
@testable import RedisClient
import TestServices
import Testing

/// ``RESPDecoder`` on replies a real `redis-server` sent, fed in one read, one byte per read,
/// and many replies per read.
@Suite struct RESPDecoderTests {
    /// The raw reply to each command, checked byte for byte and decoded every way.
    private func expect(
        _ command: [String], on server: RedisServer, bytes expected: String, decodesTo value: RESPValue,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let raw = try await RawExchange.send(RawExchange.encoded([command]), port: server.port)
        #expect(String(buffer: raw) == expected, sourceLocation: sourceLocation)
        #expect(try RESPReplies.decode(raw) == [value], sourceLocation: sourceLocation)
        let byByte = try RESPReplies.decodeByteByByte(raw)
        #expect(byByte.map(\.value) == [value], sourceLocation: sourceLocation)
        // Nothing comes out before the last byte is in.
        #expect(byByte.map(\.afterBytes) == [raw.readableBytes], sourceLocation: sourceLocation)
    }

    @Test func simpleStrings() async throws {
        try await RedisServer.with { server in
            try await expect(["PING"], on: server, bytes: "+PONG\r\n", decodesTo: .simpleString("PONG"))
            try await expect(["SET", "k", "v"], on: server, bytes: "+OK\r\n", decodesTo: .simpleString("OK"))
            try await expect(["TYPE", "k"], on: server, bytes: "+string\r\n", decodesTo: .simpleString("string"))
        }
    }

    @Test func errorReplies() async throws {
        try await RedisServer.with { server in
            let unknown = try RESPReplies.decode(try await RawExchange.reply(to: "NOSUCHCOMMAND", "x", port: server.port))
            guard case .error(let message) = try #require(unknown.first) else { Issue.record("not an error: \(unknown)"); return }
            #expect(message.hasPrefix("ERR unknown command"))
            _ = try await RawExchange.reply(to: "LPUSH", "list", "a", port: server.port)
            let wrongType = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
            try await expect(
                ["GET", "list"], on: server, bytes: wrongType,
                decodesTo: .error("WRONGTYPE Operation against a key holding the wrong kind of value"))
        }
    }

    @Test func integers() async throws {
        try await RedisServer.with { server in
            try await expect(["INCRBY", "n", "42"], on: server, bytes: ":42\r\n", decodesTo: .integer(42))
            try await expect(["INCRBY", "n", "-100"], on: server, bytes: ":-58\r\n", decodesTo: .integer(-58))
            try await expect(["EXISTS", "nothing"], on: server, bytes: ":0\r\n", decodesTo: .integer(0))
        }
    }

    @Test func largestAndSmallestIntegers() async throws {
        try await RedisServer.with { server in
            _ = try await RawExchange.reply(to: "SET", "max", String(Int64.max - 1), port: server.port)
            try await expect(["INCR", "max"], on: server, bytes: ":9223372036854775807\r\n", decodesTo: .integer(.max))
            _ = try await RawExchange.reply(to: "SET", "min", String(Int64.min + 1), port: server.port)
            try await expect(["DECR", "min"], on: server, bytes: ":-9223372036854775808\r\n", decodesTo: .integer(.min))
            // Past either end Redis answers an error, not a wrapped number.
            let overflow = try RESPReplies.decode(try await RawExchange.reply(to: "INCR", "max", port: server.port))
            #expect(overflow == [.error("ERR increment or decrement would overflow")])
        }
    }

    @Test func bulkStrings() async throws {
        try await RedisServer.with { server in
            _ = try await RawExchange.reply(to: "SET", "greeting", "héllo wörld", port: server.port)
            try await expect(
                ["GET", "greeting"], on: server, bytes: "$13\r\nhéllo wörld\r\n", decodesTo: .bulkString(ByteBuffer(string: "héllo wörld")))
        }
    }

    @Test func emptyAndNullBulkStrings() async throws {
        try await RedisServer.with { server in
            _ = try await RawExchange.reply(to: "SET", "empty", "", port: server.port)
            try await expect(["GET", "empty"], on: server, bytes: "$0\r\n\r\n", decodesTo: .bulkString(ByteBuffer()))
            try await expect(["GET", "missing"], on: server, bytes: "$-1\r\n", decodesTo: .bulkString(nil))
        }
    }

    @Test func binaryBulkStringWithCRLFAndNUL() async throws {
        try await RedisServer.with { server in
            // Every byte value, and CRLF sequences that a line-based reader would stop at.
            let payload = ByteBuffer(bytes: Array(0...255) + Array("\r\n\r\n$-1\r\n*2\r\n".utf8) + [0, 13, 10])
            var set = ByteBuffer()
            set.writeRESPCommand([ByteBuffer(string: "SET"), ByteBuffer(string: "binary"), payload])
            _ = try await RawExchange.send(set, port: server.port)
            let raw = try await RawExchange.reply(to: "GET", "binary", port: server.port)
            let expected = RESPValue.bulkString(payload)
            #expect(try RESPReplies.decode(raw) == [expected])
            #expect(try RESPReplies.decodeByteByByte(raw).map(\.value) == [expected])
        }
    }

    @Test func largeBulkStringArrivesInManyReads() async throws {
        try await RedisServer.with { server in
            let payload = ByteBuffer(bytes: (0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
            var set = ByteBuffer()
            set.writeRESPCommand([ByteBuffer(string: "SET"), ByteBuffer(string: "big"), payload])
            _ = try await RawExchange.send(set, port: server.port)
            let raw = try await RawExchange.reply(to: "GET", "big", port: server.port)
            #expect(raw.readableBytes == 1_000_000 + "$1000000\r\n\r\n".utf8.count)
            // Fed in 4 KiB reads, as a socket would hand it over.
            let chunks = stride(from: 0, to: raw.readableBytes, by: 4096).map {
                raw.getSlice(at: raw.readerIndex + $0, length: min(4096, raw.readableBytes - $0))!
            }
            #expect(try RESPReplies.decode(chunks: chunks).map(\.value) == [.bulkString(payload)])
        }
    }

    @Test func arrays() async throws {
        try await RedisServer.with { server in
            _ = try await RawExchange.reply(to: "RPUSH", "list", "a", "", "ccc", port: server.port)
            try await expect(
                ["LRANGE", "list", "0", "-1"], on: server, bytes: "*3\r\n$1\r\na\r\n$0\r\n\r\n$3\r\nccc\r\n",
                decodesTo: .array([.bulkString(ByteBuffer(string: "a")), .bulkString(ByteBuffer()), .bulkString(ByteBuffer(string: "ccc"))]))
            try await expect(["LRANGE", "nothing", "0", "-1"], on: server, bytes: "*0\r\n", decodesTo: .array([]))
            _ = try await RawExchange.reply(to: "SET", "x", "1", port: server.port)
            try await expect(
                ["MGET", "x", "missing"], on: server, bytes: "*2\r\n$1\r\n1\r\n$-1\r\n",
                decodesTo: .array([.bulkString(ByteBuffer(string: "1")), .bulkString(nil)]))
        }
    }

    @Test func nestedArraysOfMixedTypes() async throws {
        try await RedisServer.with { server in
            let script = "return {1, {-2, {'deep', {}}}, redis.status_reply('FINE'), redis.error_reply('BAD thing')}"
            try await expect(
                ["EVAL", script, "0"], on: server,
                bytes: "*4\r\n:1\r\n*2\r\n:-2\r\n*2\r\n$4\r\ndeep\r\n*0\r\n+FINE\r\n-BAD thing\r\n",
                decodesTo: .array([
                    .integer(1), .array([.integer(-2), .array([.bulkString(ByteBuffer(string: "deep")), .array([])])]),
                    .simpleString("FINE"), .error("BAD thing"),
                ]))
        }
    }

    @Test func nullArray() async throws {
        try await RedisServer.with { server in
            // A blocking pop that times out answers the null array.
            try await expect(["BLPOP", "nothing", "0.01"], on: server, bytes: "*-1\r\n", decodesTo: .array(nil))
        }
    }

    @Test func pipelinedRepliesInOneBufferComeOutInOrder() async throws {
        try await RedisServer.with { server in
            let commands = (1...200).map { _ in ["INCR", "counter"] } + [["GET", "counter"], ["PING"]]
            let raw = try await RawExchange.send(RawExchange.encoded(commands), port: server.port, replies: commands.count)
            let expected = (1...200).map { RESPValue.integer(Int64($0)) } + [.bulkString(ByteBuffer(string: "200")), .simpleString("PONG")]
            #expect(try RESPReplies.decode(raw) == expected)
            let byByte = try RESPReplies.decodeByteByByte(raw)
            #expect(byByte.map(\.value) == expected)
            // Each reply comes out exactly when its last byte is in: the offsets of the CRLFs
            // that end each of these single-line or short replies.
            #expect(byByte.last?.afterBytes == raw.readableBytes)
            #expect(byByte.map(\.afterBytes) == byByte.map(\.afterBytes).sorted())
            #expect(Set(byByte.map(\.afterBytes)).count == expected.count)
        }
    }

    @Test func replySplitAtEveryPossibleByteDecodesTheSame() async throws {
        try await RedisServer.with { server in
            _ = try await RawExchange.reply(to: "RPUSH", "list", "one", "two\r\nlines", "", port: server.port)
            let raw = try await RawExchange.send(
                RawExchange.encoded([["LRANGE", "list", "0", "-1"], ["GET", "missing"], ["LLEN", "list"]]), port: server.port, replies: 3)
            let whole = try RESPReplies.decode(raw)
            #expect(whole.count == 3)
            for split in 1..<raw.readableBytes {
                let chunks = [raw.getSlice(at: raw.readerIndex, length: split)!, raw.getSlice(at: raw.readerIndex + split, length: raw.readableBytes - split)!]
                #expect(try RESPReplies.decode(chunks: chunks).map(\.value) == whole, "split at \(split)")
            }
        }
    }
}
