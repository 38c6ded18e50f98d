import NIOCore
import RedisClient
import TestServices
import Testing

/// ``RedisScript`` run with ``RedisConnection/run(_:keys:arguments:)``: `EVALSHA` by the SHA1
/// computed here, `EVAL` when Redis does not know the script.
@Suite struct RedisScriptTests {
    private static let counter = RedisScript("""
        local value = redis.call('INCRBY', KEYS[1], ARGV[1])
        return {value, KEYS[1], ARGV[2]}
        """)

    private func run(_ script: RedisScript, on client: Client, keys: [String], arguments: [String]) async throws -> RESPValue {
        try await client.connection.run(
            script, keys: keys.map { ByteBuffer(string: $0) }, arguments: arguments.map { ByteBuffer(string: $0) }
        ).get()
    }

    @Test func sha1IsTheOneRedisComputes() async throws {
        try await withServerAndClient { (_, client) async throws in
            for script in [Self.counter, RedisScript(""), RedisScript("return 'é'")] {
                #expect(try await client.send("SCRIPT", "LOAD", script.source).string == script.sha1)
                #expect(script.sha1.count == 40)
            }
        }
    }

    @Test func unknownScriptFallsBackToEvalAndIsCachedByIt() async throws {
        try await withServerAndClient { _, client in
            #expect(try await client.send("SCRIPT", "EXISTS", Self.counter.sha1) == .array([.integer(0)]))
            let first = try await run(Self.counter, on: client, keys: ["hits"], arguments: ["5", "tag"])
            #expect(first == .array([.integer(5), .bulkString(ByteBuffer(string: "hits")), .bulkString(ByteBuffer(string: "tag"))]))
            // The EVAL cached it: EVALSHA alone now finds it.
            #expect(try await client.send("SCRIPT", "EXISTS", Self.counter.sha1) == .array([.integer(1)]))
            #expect(try await client.send("EVALSHA", Self.counter.sha1, "1", "hits", "1", "x").array?.first == .integer(6))
        }
    }

    /// Appends `ARGV[1]` to the list `KEYS[1]`; two versions, so that they are two scripts.
    private static let appendFirst = RedisScript("return redis.call('RPUSH', KEYS[1], ARGV[1]) -- first")
    private static let appendSecond = RedisScript("return redis.call('RPUSH', KEYS[1], ARGV[1]) -- second")

    @Test func givenScriptsAreLoadedOnEveryConnectionBeforeItCountsAsConnected() async throws {
        try await RedisServer.with { server in
            try await withClient(server.endpoint, scripts: [Self.appendFirst, Self.counter]) { client in
                let exists = ["SCRIPT", "EXISTS", Self.appendFirst.sha1, Self.counter.sha1]
                #expect(try await client.connection.send(exists.map { ByteBuffer(string: $0) }).get() == .array([.integer(1), .integer(1)]))
                // A restarted Redis has forgotten them: the reconnect loads them again.
                await server.kill()
                try await server.restart()
                #expect(try await client.states.first(3, "the reconnect") == [true, false, true])
                #expect(try await client.connection.send(exists.map { ByteBuffer(string: $0) }).get() == .array([.integer(1), .integer(1)]))
            }
        }
    }

    /// Another client cached the second script, not the first: pipelined, the first would get
    /// `NOSCRIPT` and its `EVAL` retry would run after the second. Given to the connection,
    /// both are loaded on connect and run in the order sent.
    @Test func pipelinedRunsOfGivenScriptsRunInTheOrderSent() async throws {
        try await withServerAndClient { server, other in
            _ = try await other.send("SCRIPT", "LOAD", Self.appendSecond.source)
            try await withClient(server.endpoint, scripts: [Self.appendFirst, Self.appendSecond]) { client in
                let key = [ByteBuffer(string: "order")]
                let first = client.connection.run(Self.appendFirst, keys: key, arguments: [ByteBuffer(string: "first")])
                let second = client.connection.run(Self.appendSecond, keys: key, arguments: [ByteBuffer(string: "second")])
                _ = try await (first.get(), second.get())
                #expect(try await client.send("LRANGE", "order", "0", "-1") == .array(["first", "second"].map { .bulkString(ByteBuffer(string: $0)) }))
            }
        }
    }

    @Test func runsAgainAfterScriptFlush() async throws {
        try await withServerAndClient { _, client in
            _ = try await run(Self.counter, on: client, keys: ["hits"], arguments: ["1", ""])
            #expect(try await client.send("SCRIPT", "FLUSH").string == "OK")
            let again = try await run(Self.counter, on: client, keys: ["hits"], arguments: ["1", ""])
            #expect(again.array?.first == .integer(2))
            // Each script ran once per call: the fallback did not run it twice.
            #expect(try await client.send("GET", "hits").int == 2)
        }
    }

    @Test func scriptErrorIsNotRetried() async throws {
        try await withServerAndClient { (_, client) async throws in
            let failing = RedisScript("redis.call('INCR', KEYS[1]); return redis.error_reply('REFUSED no room')")
            await #expect(throws: RedisError.server("REFUSED no room")) {
                try await run(failing, on: client, keys: ["attempts"], arguments: [])
            }
            // EVALSHA said NOSCRIPT, EVAL ran it once and its own error came back as it was.
            #expect(try await client.send("GET", "attempts").int == 1)
        }
    }

    @Test func brokenScriptFailsWithRedisCompileError() async throws {
        try await withServerAndClient { _, client in
            let broken = RedisScript("return {")
            do {
                _ = try await run(broken, on: client, keys: [], arguments: [])
                Issue.record("a script that does not compile ran")
            } catch RedisError.server(let message) {
                #expect(message.hasPrefix("ERR"))
                #expect(!message.hasPrefix("NOSCRIPT"))
            }
        }
    }

    @Test func manyScriptRunsInFlightAtOnce() async throws {
        try await withServerAndClient { _, client in
            let futures = (1...300).map { index in
                client.connection.run(Self.counter, keys: [ByteBuffer(string: "hits")], arguments: [ByteBuffer(string: "1"), ByteBuffer(string: "\(index)")])
            }
            var tags: [String] = []
            for future in futures { tags.append(try await future.get().array?.last?.string ?? "") }
            // The first ones may all have gone through EVAL; every reply still went to its own call.
            #expect(tags == (1...300).map { "\($0)" })
            #expect(try await client.send("GET", "hits").int == 300)
        }
    }
}
