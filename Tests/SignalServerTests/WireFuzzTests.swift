import Foundation
import SignalServer
import Signaling
import NIOConcurrencyHelpers
import Testing

/// Tens of thousands of malformed frames from many raw sockets while a healthy pair relays: the
/// pair receives every message, exactly and in order, and the server stays up.
@Suite struct WireFuzzTests {
    static let connections = 200
    static let framesPerConnection = 150

    @Test func malformedFramesFromManySocketsCostAHealthyPairNothing() async throws {
        // Every socket comes from 127.0.0.1 and the pair relays as fast as it can: the per-address
        // and per-socket limits (wire-tested on their own) are lifted, so every malformed frame lands.
        try await TestServer.with({
            $0.messageRate = Rate(1_000_000, per: TimeToLive(seconds: 1))
            $0.maxConnectionsPerIP = 100_000
            $0.maxTokenlessSocketsPerIP = 100_000
        }) { server in
            let (alice, _) = try await server.joinNormal(room: "healthy", nodeId: "a")
            let (bob, _) = try await server.joinNormal(room: "healthy", nodeId: "b")
            let attackIsOver = Flag()
            let attack = Task {
                defer { attackIsOver.set() }
                return try await Self.attack(server)
            }

            var exchanged = 0
            // At least 200 round trips, and on until the attack is over (bounded either way).
            while exchanged < 200 || (!attackIsOver.isSet && exchanged < 20_000) {
                try await alice.send(json: ["type": "offer", "to": "b", "seq": exchanged, "sdp": "offer-\(exchanged)"])
                let offer = try await bob.nextJSON()
                #expect(offer["type"] as? String == "offer" && offer["seq"] as? Int == exchanged && offer["from"] as? String == "a", "\(offer)")
                try await bob.send(json: ["type": "answer", "to": "a", "seq": exchanged, "sdp": "answer-\(exchanged)"])
                let answer = try await alice.nextJSON()
                #expect(answer["type"] as? String == "answer" && answer["seq"] as? Int == exchanged && answer["from"] as? String == "b", "\(answer)")
                guard offer["seq"] as? Int == exchanged, answer["seq"] as? Int == exchanged else { break }
                exchanged += 1
            }
            let frames = try await attack.value
            #expect(frames >= 30_000)
            // The pair is still registered and nothing else arrived for it.
            try await alice.relay(to: "b", via: bob)
            try await bob.relay(to: "a", via: alice)
            try await server.awaitHealth { peers, _ in peers == 2 }
        }
    }

    /// Opens ``connections`` sockets at once, each writing one malformed stream; returns how many
    /// frames were written. (All at once: a socket whose last frame the server ignores is only
    /// closed by the registration deadline, so batches would add those seconds up.)
    private static func attack(_ server: TestServer) async throws -> Int {
        var generator = SeededGenerator(seed: 15)
        var streams: [MalformedFrames.Stream] = []
        var frames = MalformedFrames(generator: SeededGenerator(seed: 0x5EED))
        for index in 0..<connections {
            let query: String
            switch index % 4 {
            case 0: query = "room=healthy&nodeId=squatter-\(index)"  // token-less, in the pair's room
            case 1: query = "token=\(Data(bytes(16, &generator)).base64EncodedString())&nodeId=x"  // a forged token
            default: query = "token=\(server.token(subject: "attack-\(index)"))&nodeId=n\(index)"
            }
            // Every fourth one registers first, so its relays are refused as a member's would be.
            streams.append(frames.stream(query: query, registering: index % 4 == 3, count: framesPerConnection))
        }
        return try await withThrowingTaskGroup(of: Int.self) { group in
            for stream in streams {
                group.addTask {
                    let connection = try await RawConnection.open(port: server.port)
                    try? await connection.send(stream.bytes)
                    // The server reads every byte before the end of the stream, so once it has
                    // closed the connection it has seen every frame.
                    await connection.finishWriting()
                    _ = try await connection.readUntilClosed(within: 60)
                    return stream.frames
                }
            }
            return try await group.reduce(0, +)
        }
    }

    /// Set once, read from another task.
    private final class Flag: Sendable {
        private let value = NIOLockedValueBox(false)
        var isSet: Bool { value.withLockedValue { $0 } }
        func set() { value.withLockedValue { $0 = true } }
    }

    private static func bytes(_ count: Int, _ generator: inout SeededGenerator) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }
}
