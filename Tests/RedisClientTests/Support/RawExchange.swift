import NIOCore
import NIOPosix
@testable import RedisClient
import TestServices

/// Talks to Redis over a plain socket, below the client: sends bytes as they are and returns
/// the bytes Redis answers with, exactly as they arrived.
enum RawExchange {
    /// The bytes of `commands`, each encoded as the client encodes it.
    static func encoded(_ commands: [[String]]) -> ByteBuffer {
        var buffer = ByteBuffer()
        for command in commands { buffer.writeRESPCommand(command.map { ByteBuffer(string: $0) }) }
        return buffer
    }

    /// Sends `request` on a new connection to `port` and returns everything Redis answered up
    /// to and including the `replies`-th whole reply (as far as ``RESPDecoder`` can tell, or
    /// up to where it throws).
    static func send(_ request: ByteBuffer, port: Int, replies: Int = 1) async throws -> ByteBuffer {
        try await withDeadline(seconds: 10, "\(replies) raw replies") {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port) { channel in
                    channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
                }
            return try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(request)
                var received = ByteBuffer()
                for try await chunk in inbound {
                    received.writeImmutableBuffer(chunk)
                    if (try? RESPReplies.decode(received).count).map({ $0 >= replies }) ?? true { return received }
                }
                throw TimedOut("\(replies) replies before the connection closed; got \(String(buffer: received).debugDescription)")
            }
        }
    }

    /// Sends `command` (as strings) to `port` and returns its raw reply.
    static func reply(to command: String..., port: Int) async throws -> ByteBuffer {
        try await send(encoded([command]), port: port)
    }
}

/// Returns once a client of `server` is blocked (in `BLPOP`), asking `CLIENT LIST` on a
/// connection of its own until it says so.
func awaitBlockedClient(on server: RedisServer) async throws {
    try await poll(within: 10, { "a client blocked in BLPOP" }) {
        let clients = String(buffer: try await RawExchange.reply(to: "CLIENT", "LIST", "TYPE", "normal", port: server.port))
        return clients.contains("cmd=blpop") && clients.contains("flags=b")
    }
}
