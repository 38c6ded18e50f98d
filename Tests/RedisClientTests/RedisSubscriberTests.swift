import NIOCore
import NIOPosix
import RedisClient
import TestServices
import Testing

/// ``RedisSubscriber`` against a real `redis-server`: subscribing, messages in order,
/// unsubscribing, and subscriptions Redis refuses.
@Suite struct RedisSubscriberTests {
    /// How many connections Redis counts as subscribed to `channel`.
    private func subscribers(of channel: String, _ client: Client) async throws -> Int64? {
        try await client.send("PUBSUB", "NUMSUB", channel).array?.last?.int
    }

    @Test func messagesArriveInOrder() async throws {
        try await withServerAndClient { server, publisher in
            try await withSubscriber(server.endpoint) { subscriber in
                try await subscriber.subscribe("news", "sport")
                #expect(try await subscribers(of: "news", publisher) == 1)
                for index in 0..<500 {
                    publisher.connection.sendIgnoringReply(["PUBLISH", index.isMultiple(of: 3) ? "sport" : "news", "m\(index)"].map { ByteBuffer(string: $0) })
                }
                let received = try await subscriber.messages.first(500, "500 messages")
                let expected = (0..<500).map { Subscriber.Message(channel: $0.isMultiple(of: 3) ? "sport" : "news", payload: "m\($0)") }
                #expect(received == expected)
            }
        }
    }

    @Test func binaryChannelAndPayload() async throws {
        try await withServerAndClient { server, publisher in
            let received = Recorder<[ByteBuffer]>()
            let states = Recorder<Bool>()
            let subscriber = RedisSubscriber(
                endpoint: server.endpoint, eventLoop: MultiThreadedEventLoopGroup.singleton.next(), logger: silentLogger,
                onMessage: { channel, message in received.record([channel, message]) }, onStateChange: states.record)
            subscriber.start()
            #expect(try await states.first(1, "the connection") == [true])
            let channel = ByteBuffer(bytes: [0, 13, 10, 255, 42])
            let payload = ByteBuffer(bytes: Array(0...255))
            try await withDeadline(seconds: 10, "the subscription") { try await subscriber.subscribe([channel]).get() }
            #expect(try await publisher.connection.send([ByteBuffer(string: "PUBLISH"), channel, payload]).get() == .integer(1))
            #expect(try await received.first(1, "the binary message") == [[channel, payload]])
            try await subscriber.close().get()
        }
    }

    @Test func unsubscribeStopsDelivery() async throws {
        try await withServerAndClient { server, publisher in
            try await withSubscriber(server.endpoint) { subscriber in
                try await subscriber.subscribe("a", "b")
                #expect(try await publisher.send("PUBLISH", "a", "1").int == 1)
                // Delivered before the unsubscribe: a message still on its way when it happens is dropped.
                #expect(try await subscriber.messages.first(1, "the first message") == [.init(channel: "a", payload: "1")])
                subscriber.subscriber.unsubscribe([ByteBuffer(string: "a")])
                try await poll(within: 10, { "Redis to drop the subscription to a" }) {
                    try await subscribers(of: "a", publisher) == 0
                }
                #expect(try await publisher.send("PUBLISH", "a", "2").int == 0)
                #expect(try await publisher.send("PUBLISH", "b", "3").int == 1)
                // b's message comes after a's first: a's second was never delivered.
                #expect(try await subscriber.messages.first(2, "the messages") == [.init(channel: "a", payload: "1"), .init(channel: "b", payload: "3")])
                #expect(subscriber.messages.items.count == 2)
            }
        }
    }

    @Test func subscribingTwiceDeliversOnce() async throws {
        try await withServerAndClient { server, publisher in
            try await withSubscriber(server.endpoint) { subscriber in
                try await subscriber.subscribe("room")
                try await subscriber.subscribe("room", "room")
                #expect(try await publisher.send("PUBLISH", "room", "once").int == 1)
                #expect(try await publisher.send("PUBLISH", "room", "twice").int == 1)
                #expect(try await subscriber.messages.first(2, "the messages").map(\.payload) == ["once", "twice"])
                #expect(subscriber.messages.items.count == 2)
            }
        }
    }

    @Test func resubscribeAfterUnsubscribe() async throws {
        try await withServerAndClient { server, publisher in
            try await withSubscriber(server.endpoint) { subscriber in
                try await subscriber.subscribe("c")
                subscriber.subscriber.unsubscribe([ByteBuffer(string: "c")])
                try await subscriber.subscribe("c")
                #expect(try await subscribers(of: "c", publisher) == 1)
                #expect(try await publisher.send("PUBLISH", "c", "back").int == 1)
                #expect(try await subscriber.messages.first(1, "the message") == [.init(channel: "c", payload: "back")])
            }
        }
    }

    @Test func refusedSubscribeFailsAndIsForgotten() async throws {
        try await RedisServer.with(password: "admin") { server in
            try await withClient(server.endpoint) { admin in
                // An ACL user allowed on `allowed:*` channels only.
                _ = try await admin.send("ACL", "SETUSER", "listener", "on", ">pw", "resetchannels", "&allowed:*", "+@all")
                let endpoint = RedisEndpoint(host: "127.0.0.1", port: server.port, user: "listener", password: "pw")
                try await withSubscriber(endpoint) { subscriber in
                    do {
                        try await withDeadline(seconds: 10, "the refusal") { try await subscriber.subscribe("allowed:1", "secret") }
                        Issue.record("Redis refused nothing")
                    } catch RedisError.server(let message) {
                        #expect(message.hasPrefix("NOPERM"))
                    }
                    // The whole command was refused; what comes next still works.
                    try await withDeadline(seconds: 10, "a later subscription") { try await subscriber.subscribe("allowed:2") }
                    #expect(try await admin.send("PUBLISH", "allowed:2", "hello").int == 1)
                    #expect(try await subscriber.messages.first(1, "the message") == [.init(channel: "allowed:2", payload: "hello")])

                    // After a reconnect the refused channels are not asked for again: it comes
                    // back subscribed to the allowed one only.
                    _ = try await admin.send("CLIENT", "KILL", "TYPE", "pubsub")
                    #expect(try await subscriber.states.first(3, "the reconnect") == [true, false, true])
                    #expect(try await subscribers(of: "allowed:2", admin) == 1)
                    #expect(try await subscribers(of: "allowed:1", admin) == 0)
                }
            }
        }
    }

    @Test func subscribeWhileDisconnectedIsDoneOnConnect() async throws {
        try await withServerAndClient { server, publisher in
            let messages = Recorder<String>()
            let states = Recorder<Bool>()
            let subscriber = RedisSubscriber(
                endpoint: server.endpoint, eventLoop: MultiThreadedEventLoopGroup.singleton.next(), logger: silentLogger,
                onMessage: { _, message in messages.record(String(buffer: message)) }, onStateChange: states.record)
            // Before start: remembered, and confirmed at once.
            try await withDeadline(seconds: 10, "the early subscription") { try await subscriber.subscribe([ByteBuffer(string: "early")]).get() }
            subscriber.start()
            // Connected means subscribed to every wanted channel.
            #expect(try await states.first(1, "the connection") == [true])
            #expect(try await subscribers(of: "early", publisher) == 1)
            #expect(try await publisher.send("PUBLISH", "early", "bird").int == 1)
            #expect(try await messages.first(1, "the message") == ["bird"])
            try await subscriber.close().get()
            #expect(!subscriber.isConnected)
        }
    }
}
