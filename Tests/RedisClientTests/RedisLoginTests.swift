import Logging
import NIOCore
import RedisClient
import TestServices
import Testing

/// `AUTH` and `SELECT` from the endpoint, sent first on every connection, against a
/// `redis-server` that requires a password (or, once, one that does not).
@Suite struct RedisLoginTests {
    @Test func passwordFromTheURLLogsIn() async throws {
        try await RedisServer.with(password: "s3cret pass") { server in
            let endpoint = try RedisEndpoint(url: "redis://:s3cret%20pass@127.0.0.1:\(server.port)")
            try await withClient(endpoint) { (client) async throws in
                #expect(try await client.send("PING").string == "PONG")
            }
        }
    }

    @Test func anEmptyPasswordWithoutAUserSendsNoAuth() async throws {
        try await RedisServer.with { server in
            try await withClient(try RedisEndpoint(url: "redis://:@127.0.0.1:\(server.port)")) { (client) async throws in
                #expect(try await client.send("PING").string == "PONG")
            }
        }
    }

    @Test func withoutPasswordCommandsAreRefusedByRedis() async throws {
        try await RedisServer.with(password: "s3cret") { server in
            try await withClient(RedisEndpoint(host: "127.0.0.1", port: server.port)) { client in
                await #expect(throws: RedisError.server("NOAUTH Authentication required.")) { try await client.send("GET", "k") }
            }
        }
    }

    @Test func wrongPasswordNeverConnectsAndSaysWhy() async throws {
        try await RedisServer.with(password: "s3cret") { server in
            let logs = LogCapture()
            let endpoint = try RedisEndpoint(url: "redis://:wrong-hunter2@127.0.0.1:\(server.port)")
            let client = try await Client.start(endpoint, logger: logs.logger(level: .trace), awaitConnected: false)
            _ = try await logs.line { $0.contains("WRONGPASS") }
            #expect(logs.text.contains("Redis refused the login"))
            #expect(!logs.text.contains("wrong-hunter2"))
            await #expect(throws: RedisError.notConnected) { try await client.send("PING") }
            #expect(!client.connection.isConnected)
            #expect(client.states.items.isEmpty)
            try await client.connection.close().get()
        }
    }

    @Test func aclUserAndPassword() async throws {
        try await RedisServer.with(password: "admin") { server in
            try await withClient(server.endpoint) { admin in
                _ = try await admin.send("ACL", "SETUSER", "app", "on", ">app-pass", "~app:*", "+@all")
                let endpoint = try RedisEndpoint(url: "redis://app:app-pass@127.0.0.1:\(server.port)")
                try await withClient(endpoint) { app in
                    #expect(try await app.send("ACL", "WHOAMI").string == "app")
                    #expect(try await app.send("SET", "app:key", "1").string == "OK")
                    do {
                        _ = try await app.send("SET", "other", "1")
                        Issue.record("the ACL user wrote a key outside its pattern")
                    } catch RedisError.server(let message) {
                        #expect(message.hasPrefix("NOPERM"))
                    }
                }
            }
        }
    }

    @Test func databaseFromTheURLIsSelected() async throws {
        try await RedisServer.with { server in
            try await withClient(try RedisEndpoint(url: "redis://127.0.0.1:\(server.port)/3")) { db3 in
                _ = try await db3.send("SET", "where", "three")
                #expect(try await db3.send("CLIENT", "INFO").string?.contains(" db=3 ") == true)
            }
            try await withClient(server.endpoint) { db0 in
                #expect(try await db0.send("GET", "where") == .bulkString(nil))
                _ = try await db0.send("SELECT", "3")
                #expect(try await db0.send("GET", "where").string == "three")
            }
        }
    }

    @Test func passwordAndDatabaseTogetherAfterAReconnect() async throws {
        try await RedisServer.with(password: "pw") { server in
            try await withClient(try RedisEndpoint(url: "redis://:pw@127.0.0.1:\(server.port)/5")) { client in
                _ = try await client.send("SET", "k", "v")
                _ = try await RawExchange.send(RawExchange.encoded([["AUTH", "pw"], ["CLIENT", "KILL", "TYPE", "normal"]]), port: server.port, replies: 2)
                #expect(try await client.states.first(3, "the reconnect") == [true, false, true])
                // Logged in and in database 5 again.
                #expect(try await client.send("GET", "k").string == "v")
            }
        }
    }

    @Test func databaseOutOfRangeNeverConnects() async throws {
        try await RedisServer.with { server in
            let logs = LogCapture()
            let client = try await Client.start(
                try RedisEndpoint(url: "redis://127.0.0.1:\(server.port)/99"), logger: logs.logger(level: .trace), awaitConnected: false)
            _ = try await logs.line { $0.contains("DB index is out of range") }
            await #expect(throws: RedisError.notConnected) { try await client.send("PING") }
            try await client.connection.close().get()
        }
    }
}
