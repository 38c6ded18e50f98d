import NIOCore
import RedisClient
import TestServices
import Testing

/// A Redis that stops answering but keeps its connections open (SIGSTOP, as a hung process or
/// a network black hole looks to a client): the reply deadline and the subscriber's pings notice
/// it, and the connections come back once it answers again (SIGCONT).
///
/// Every test runs its server in ``RedisServer/with(password:_:)``, which kills it frozen or not.
@Suite struct FrozenRedisTests {
    /// Short, so the tests take about a second (the default is 5 s); × `SIGNAL_TEST_SLOWDOWN`, so a
    /// loaded sanitized run's answers still arrive within it before the freeze.
    static let replyTimeout: Duration = .seconds(testSlowdown)

    @Test func pendingCommandsFailWithTimedOutAndWorkAgainAfterResume() async throws {
        try await RedisServer.with { server in
            try await withClient(server.endpoint, replyTimeout: Self.replyTimeout) { client in
                #expect(try await client.send("SET", "k", "kept").string == "OK")
                server.pause()
                let pending = (0..<10).map { _ in client.connection.send("GET", "k") }
                try await withDeadline(seconds: 10, "the pending commands to fail") {
                    for future in pending {
                        await #expect(throws: RedisError.timedOut) { try await future.get() }
                    }
                }
                #expect(try await client.states.first(2, "the drop") == [true, false])
                // Reconnect attempts meanwhile reach the kernel's backlog, get no answer to their
                // login, and never count as connected.
                server.resume()
                #expect(try await client.states.first(3, "the reconnect") == [true, false, true])
                // The same server, resumed: the key is still there.
                #expect(try await client.send("GET", "k").string == "kept")
                #expect(client.states.items == [true, false, true])
            }
        }
    }

    @Test func subscriberNoticesAFrozenServerAndReceivesAgainAfterResume() async throws {
        try await RedisServer.with { server in
            try await withClient(server.endpoint) { publisher in
                try await withSubscriber(server.endpoint, replyTimeout: Self.replyTimeout, pingInterval: .milliseconds(100)) { subscriber in
                    try await subscriber.subscribe("events")
                    #expect(try await publisher.send("PUBLISH", "events", "before").int == 1)
                    #expect(try await subscriber.messages.first(1, "the first message").map(\.payload) == ["before"])
                    server.pause()
                    // Nothing is sent to it: only its own pings can tell.
                    #expect(try await subscriber.states.first(2, "the subscriber's drop") == [true, false])
                    #expect(!subscriber.subscriber.isConnected)
                    server.resume()
                    #expect(try await subscriber.states.first(3, "the subscriber's reconnect") == [true, false, true])
                    // Connected means subscribed again.
                    #expect(try await publisher.send("PUBLISH", "events", "after").int == 1)
                    #expect(try await subscriber.messages.first(2, "the message after the resume").map(\.payload) == ["before", "after"])
                }
            }
        }
    }

    @Test func idleSubscriberPingsAndStaysConnected() async throws {
        try await RedisServer.with { server in
            try await withClient(server.endpoint) { control in
                try await withSubscriber(server.endpoint, replyTimeout: Self.replyTimeout, pingInterval: .milliseconds(50)) { subscriber in
                    try await subscriber.subscribe("quiet")
                    let before = try await Self.pingCalls(control)
                    try await poll(within: 10, { "five pings from the idle subscriber" }) {
                        try await Self.pingCalls(control) >= before + 5
                    }
                    // Every pong arrived in time: no drop, and it still receives.
                    #expect(subscriber.states.items == [true])
                    #expect(try await control.send("PUBLISH", "quiet", "still here").int == 1)
                    #expect(try await subscriber.messages.first(1, "the message").map(\.payload) == ["still here"])
                }
            }
        }
    }

    /// How many `PING`s the server has answered (`INFO commandstats`).
    private static func pingCalls(_ client: Client) async throws -> Int {
        let stats = try await client.send("INFO", "commandstats").string ?? ""
        guard let line = stats.split(separator: "\r\n").first(where: { $0.hasPrefix("cmdstat_ping:") }),
            let calls = line.split(separator: ",").first?.split(separator: "=").last
        else { return 0 }
        return Int(calls) ?? 0
    }
}
