import NIOCore
import NIOPosix
import RedisClient
import TestServices
import Testing

/// ``RedisConnection`` against a real `redis-server`: replies, errors, pipelining, and what
/// happens to commands when the connection goes away under them.
@Suite struct RedisConnectionTests {
    @Test func repliesAndTheirAccessors() async throws {
        try await withServerAndClient { _, client in
            #expect(try await client.send("SET", "counter", "41").string == "OK")
            #expect(try await client.send("INCR", "counter").int == 42)
            #expect(try await client.send("GET", "counter").int == 42)
            #expect(try await client.send("GET", "counter").string == "42")
            #expect(try await client.send("GET", "missing") == .bulkString(nil))
            #expect(try await client.send("GET", "missing").string == nil)
            _ = try await client.send("RPUSH", "list", "a", "b")
            #expect(try await client.send("LRANGE", "list", "0", "-1").array?.compactMap(\.string) == ["a", "b"])
            #expect(try await client.send("PING").array == nil)
        }
    }

    @Test func errorReplyFailsWithTheServerMessage() async throws {
        try await withServerAndClient { _, client in
            _ = try await client.send("SET", "text", "abc")
            await #expect(throws: RedisError.server("ERR value is not an integer or out of range")) {
                try await client.send("INCR", "text")
            }
            // The connection carries on: the next reply goes to the next command.
            #expect(try await client.send("GET", "text").string == "abc")
        }
    }

    @Test func binarySafeArguments() async throws {
        try await withServerAndClient { _, client in
            let key = ByteBuffer(bytes: [0, 13, 10, 255])
            let value = ByteBuffer(bytes: Array(0...255))
            _ = try await client.connection.send([ByteBuffer(string: "SET"), key, value]).get()
            #expect(try await client.connection.send([ByteBuffer(string: "GET"), key]).get() == .bulkString(value))
        }
    }

    @Test func manyCommandsInFlightAreAnsweredInOrder() async throws {
        try await withServerAndClient { _, client in
            // Sent all at once before any reply is awaited: each reply goes to its own command.
            let futures = (0..<2000).map { index in
                index.isMultiple(of: 2)
                    ? client.connection.send("INCR", "counter")
                    : client.connection.send("ECHO", "reply-\(index)")
            }
            var replies: [RESPValue] = []
            for future in futures { replies.append(try await future.get()) }
            let expected = (0..<2000).map { index in
                index.isMultiple(of: 2) ? RESPValue.integer(Int64(index / 2 + 1)) : .bulkString(ByteBuffer(string: "reply-\(index)"))
            }
            #expect(replies == expected)
        }
    }

    @Test func commandsFromManyTasksAtOnce() async throws {
        try await withServerAndClient { _, client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<20 {
                    group.addTask { () async throws in
                        for index in 0..<50 {
                            let value = "\(task)-\(index)"
                            #expect(try await client.send("SET", "key-\(task)", value).string == "OK")
                            #expect(try await client.send("GET", "key-\(task)").string == value)
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await client.send("DBSIZE").int == 20)
        }
    }

    @Test func sendIgnoringReplyStillRuns() async throws {
        try await withServerAndClient { (_, client) async throws in
            for index in 1...100 {
                client.connection.sendIgnoringReply([ByteBuffer(string: "RPUSH"), ByteBuffer(string: "log"), ByteBuffer(string: "\(index)")])
            }
            // An ignored error reply does not shift the replies of the commands after it.
            client.connection.sendIgnoringReply([ByteBuffer(string: "INCR"), ByteBuffer(string: "log")])
            #expect(try await client.send("LLEN", "log").int == 100)
            #expect(try await client.send("LINDEX", "log", "-1").string == "100")
        }
    }

    @Test func pendingCommandsFailWhenTheServerDrops() async throws {
        try await withServerAndClient { server, client in
            // BLPOP with no timeout blocks; Redis keeps the commands behind it until it returns.
            let blocked = client.connection.send("BLPOP", "never", "0")
            let queued = (0..<50).map { _ in client.connection.send("PING") }
            try await awaitBlockedClient(on: server)
            await server.kill()
            try await withDeadline(seconds: 10, "the blocked command to fail") {
                await #expect(throws: RedisError.connectionLost) { try await blocked.get() }
            }
            for future in queued {
                await #expect(throws: RedisError.connectionLost) { try await future.get() }
            }
            #expect(try await client.states.first(2, "the drop") == [true, false])
        }
    }

    @Test func pendingCommandsFailWhenRedisClosesTheConnection() async throws {
        try await withServerAndClient { server, client in
            let blocked = client.connection.send("BLPOP", "never", "0")
            try await awaitBlockedClient(on: server)
            _ = try await RawExchange.reply(to: "CLIENT", "KILL", "TYPE", "normal", port: server.port)
            try await withDeadline(seconds: 10, "the blocked command to fail") {
                await #expect(throws: RedisError.connectionLost) { try await blocked.get() }
            }
            // It reconnects by itself and works again.
            #expect(try await client.states.first(3, "the reconnect") == [true, false, true])
            #expect(try await client.send("PING").string == "PONG")
        }
    }

    @Test func pendingCommandFailsWhenRedisCutsItsReplyShort() async throws {
        try await withServerAndClient { server, client in
            let value = ByteBuffer(repeating: UInt8(ascii: "x"), count: 8 * 1024 * 1024)
            _ = try await client.connection.send([ByteBuffer(string: "SET"), ByteBuffer(string: "big"), value]).get()
            // A reply larger than the output buffer limit: Redis drops the connection while answering.
            _ = try await client.send("CONFIG", "SET", "client-output-buffer-limit", "normal 64kb 64kb 0")
            await #expect(throws: RedisError.connectionLost) { try await client.send("GET", "big") }
            #expect(try await client.states.first(3, "the reconnect") == [true, false, true])
            #expect(try await client.send("STRLEN", "big").int == 8 * 1024 * 1024)
        }
    }

    @Test func replyTheDecoderCannotReadDropsTheConnection() async throws {
        try await withServerAndClient { (_, client) async throws in
            // HELLO 3 switches the connection to RESP3, whose map reply (`%7`) is no RESP2 value.
            let hello = client.connection.send("HELLO", "3")
            let behind = client.connection.send("PING")
            await #expect(throws: RedisError.connectionLost) { try await hello.get() }
            await #expect(throws: RedisError.connectionLost) { try await behind.get() }
            // A new connection speaks RESP2 again.
            #expect(try await client.states.first(3, "the reconnect") == [true, false, true])
            #expect(try await client.send("PING").string == "PONG")
        }
    }

    @Test func closeFailsPendingAndLaterCommands() async throws {
        try await RedisServer.with { server in
            let client = try await Client.start(server.endpoint)
            let blocked = client.connection.send("BLPOP", "never", "0")
            try await awaitBlockedClient(on: server)
            try await withDeadline(seconds: 10, "close") { try await client.connection.close().get() }
            await #expect(throws: RedisError.closed) { try await blocked.get() }
            await #expect(throws: RedisError.closed) { try await client.send("PING") }
            #expect(!client.connection.isConnected)
            #expect(try await client.states.first(2, "the close") == [true, false])
            // Closing again is harmless.
            try await withDeadline(seconds: 10, "a second close") { try await client.connection.close().get() }
        }
    }

    @Test func commandsBeforeTheFirstConnectFailAtOnce() async throws {
        try await RedisServer.with { server in
            let client = try await Client.start(server.endpoint, awaitConnected: false)
            // Not connected yet (or already): either it answers, or it is refused at once, never queued.
            do {
                #expect(try await client.send("PING").string == "PONG")
            } catch let error as RedisError {
                #expect(error == .notConnected)
            }
            #expect(try await client.states.first(1, "the connection") == [true])
            #expect(try await client.send("PING").string == "PONG")
            try await client.connection.close().get()
        }
    }

    @Test func neverStartedConnectionRefusesCommands() async throws {
        try await RedisServer.with { server in
            let connection = RedisConnection(endpoint: server.endpoint, eventLoop: MultiThreadedEventLoopGroup.singleton.next(), logger: silentLogger)
            await #expect(throws: RedisError.notConnected) { try await connection.send("PING").get() }
            #expect(!connection.isConnected)
            try await connection.close().get()
            await #expect(throws: RedisError.closed) { try await connection.send("PING").get() }
        }
    }
}
