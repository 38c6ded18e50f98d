import Logging
import NIOCore
import RedisClient
import TestServices
import Testing

/// Reconnecting after `redis-server` is killed (SIGKILL) and started again on the same port.
@Suite struct ReconnectTests {
    @Test func commandsFailWhileDownAndWorkAgainAfterRestart() async throws {
        try await withServerAndClient { server, client in
            _ = try await client.send("SET", "k", "before")
            await server.kill()
            #expect(try await client.states.first(2, "the drop") == [true, false])
            #expect(!client.connection.isConnected)
            // Refused at once while down, and said so.
            for _ in 0..<3 {
                await #expect(throws: RedisError.notConnected) { try await client.send("PING") }
            }
            try await server.restart()
            #expect(try await client.states.first(3, "the reconnect") == [true, false, true])
            #expect(client.connection.isConnected)
            // A fresh server: the key is gone, and commands work again.
            #expect(try await client.send("GET", "k") == .bulkString(nil))
            #expect(try await client.send("SET", "k", "after").string == "OK")
        }
    }

    @Test func reconnectsAgainAndAgain() async throws {
        try await withServerAndClient { server, client in
            for round in 1...3 {
                await server.kill()
                #expect(try await client.states.first(2 * round, "drop \(round)").last == false)
                try await server.restart()
                #expect(try await client.states.first(2 * round + 1, "reconnect \(round)").last == true)
                #expect(try await client.send("INCR", "n").int == 1)
            }
            #expect(client.states.items == [true, false, true, false, true, false, true])
        }
    }

    @Test func defaultBackoffReconnectsWithinItsCap() async throws {
        try await RedisServer.with { server in
            let logs = LogCapture()
            // The default pauses (50 ms doubling to 2 s).
            try await withClient(server.endpoint, backoff: .milliseconds(50) ... .seconds(2), logger: logs.logger(level: .trace)) { client in
                await server.kill()
                #expect(try await client.states.first(2, "the drop") == [true, false])
                // Several attempts fail while it is down, growing the pause, each refused at once.
                try await poll(within: 10, { "four failed attempts" }) {
                    await #expect(throws: RedisError.notConnected) { try await client.send("PING") }
                    return logs.text.ranges(of: "could not connect to Redis").count >= 4
                }
                // The drop is a warning; the retries after it are not repeated at that level.
                #expect(logs.text.contains("warning lost the connection to Redis"))
                #expect(!logs.text.contains("warning could not connect"))
                try await server.restart()
                #expect(try await client.states.first(3, within: 10, "the reconnect") == [true, false, true])
                #expect(try await client.send("PING").string == "PONG")
                #expect(logs.text.contains("info connected to Redis"))
            }
        }
    }

    @Test func subscriptionsAreRestoredAfterRestart() async throws {
        try await withServerAndClient { server, publisher in
            try await withSubscriber(server.endpoint) { subscriber in
                try await subscriber.subscribe("events", "alerts")
                #expect(try await publisher.send("PUBLISH", "events", "one").int == 1)
                await server.kill()
                #expect(try await subscriber.states.first(2, "the subscriber's drop") == [true, false])
                try await server.restart()
                #expect(try await subscriber.states.first(3, "the subscriber's reconnect") == [true, false, true])
                #expect(try await publisher.states.first(3, "the publisher's reconnect") == [true, false, true])
                // Connected means subscribed again: both channels count one subscriber at once.
                #expect(try await publisher.send("PUBSUB", "NUMSUB", "events", "alerts").array?.compactMap(\.int) == [1, 1])
                #expect(try await publisher.send("PUBLISH", "alerts", "two").int == 1)
                #expect(try await publisher.send("PUBLISH", "events", "three").int == 1)
                #expect(try await subscriber.messages.first(3, "the messages").map(\.payload) == ["one", "two", "three"])
            }
        }
    }

    @Test func unsubscribedWhileDownIsNotRestored() async throws {
        try await withServerAndClient { server, publisher in
            try await withSubscriber(server.endpoint) { subscriber in
                try await subscriber.subscribe("kept", "dropped")
                await server.kill()
                #expect(try await subscriber.states.first(2, "the drop") == [true, false])
                subscriber.subscriber.unsubscribe([ByteBuffer(string: "dropped")])
                try await subscriber.subscribe("added")
                try await server.restart()
                #expect(try await subscriber.states.first(3, "the reconnect") == [true, false, true])
                _ = try await publisher.states.first(3, "the publisher's reconnect")
                #expect(try await publisher.send("PUBSUB", "NUMSUB", "kept", "dropped", "added").array?.compactMap(\.int) == [1, 0, 1])
            }
        }
    }

    @Test func closeWhileDownStopsReconnecting() async throws {
        try await RedisServer.with { server in
            let closed = try await Client.start(server.endpoint)
            try await withClient(server.endpoint) { control in
                await server.kill()
                #expect(try await closed.states.first(2, "the drop") == [true, false])
                try await withDeadline(seconds: 10, "close") { try await closed.connection.close().get() }
                try await server.restart()
                // The control client, with the same pauses, is back; the closed one is not.
                #expect(try await control.states.first(3, "the control's reconnect") == [true, false, true])
                await #expect(throws: RedisError.closed) { try await closed.send("PING") }
                let clients = try await control.send("CLIENT", "LIST").string ?? ""
                #expect(clients.split(separator: "\n").count == 1)
                #expect(closed.states.items == [true, false])
            }
        }
    }
}
