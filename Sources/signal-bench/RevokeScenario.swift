import Foundation
import NIOCore
import NIOPosix

/// `revoke`: how long `POST /revoke` sent to the first instance takes to close the matching
/// sockets held by the other instances (README § Running several instances).
///
/// Each round puts one peer of a fresh room on every other instance, waits until each holds its
/// `peer-list`, revokes the room's tokens by subject on the first instance, and times each
/// socket from the moment the request is sent to its close (the server's 4003 close frame, then
/// the connection's end).
enum RevokeScenario {
    /// The JSON line.
    struct Result: Encodable {
        let scenario = "revoke"
        let instances: Int
        let rounds: Int
        /// Sockets closed after their room was revoked.
        let closed: Int
        /// Sockets still open 10 s after the revocation of their room.
        let notClosed: Int
        /// From sending `POST /revoke` to each socket's close, in microseconds.
        let revokeToClose: LatencySummary
    }

    /// One peer of the round's room: says when it is registered and when it is closed.
    private final class Peer: RawWebSocket.Delegate, @unchecked Sendable {
        let registered: EventLoopPromise<Void>
        let closed: EventLoopPromise<ContinuousClock.Instant>

        init(loop: any EventLoop) {
            registered = loop.makePromise()
            closed = loop.makePromise()
        }

        func opened(_ socket: RawWebSocket, context: ChannelHandlerContext) {
            socket.send(registerFrame)
        }

        func received(_ payload: UnsafeRawBufferPointer, socket: RawWebSocket, context: ChannelHandlerContext) {
            if payload.firstRange(of: Array(#""type":"peer-list""#.utf8)) != nil { registered.succeed() }
        }

        func closed(_ socket: RawWebSocket) {
            registered.fail(BenchError("closed before its peer-list"))
            closed.succeed(ContinuousClock.now)
        }
    }

    /// Runs `rounds` revocations; needs two instances or more and the admin secret.
    static func run(_ instances: [BenchTarget], adminSecret: String, rounds: Int) async throws -> Result {
        guard instances.count >= 2 else { throw BenchError("revoke needs two instances or more (--port repeated)") }
        let latencies = LatencyRecorder()
        var (closed, notClosed) = (0, 0)
        let revoker = instances[0]
        for round in 0..<rounds {
            let room = "revoke-\(round)-\(UUID().uuidString.prefix(8))"
            var peers: [(Peer, any Channel)] = []
            for (index, instance) in instances.dropFirst().enumerated() {
                let peer = Peer(loop: instance.group.next())
                let channel = try await instance.connect(room: room, nodeId: "peer-\(index)", delegate: peer).get()
                peers.append((peer, channel))
            }
            for (peer, _) in peers { try await peer.registered.futureResult.get() }
            // Every token of the room issued up to now (a token's `iat` is in whole seconds).
            let before = Date().addingTimeInterval(1).formatted(.iso8601)
            let sent = ContinuousClock.now
            let (status, body) = try await HTTPProbe.postAsAdmin(
                host: revoker.host, port: revoker.port, path: "/revoke", body: #"{"subject":"\#(room)","before":"\#(before)"}"#,
                adminSecret: adminSecret, group: revoker.group)
            guard status == 200 else { throw BenchError("POST /revoke answered \(status): \(body)") }
            for (peer, channel) in peers {
                let timeout = channel.eventLoop.scheduleTask(in: .seconds(10)) { channel.close(promise: nil) }
                let end = try await peer.closed.futureResult.get()
                timeout.cancel()
                if end - sent < .seconds(10) {
                    closed += 1
                    latencies.record(microseconds: UInt64((end - sent) / .microseconds(1)))
                } else {
                    notClosed += 1
                }
            }
        }
        return Result(instances: instances.count, rounds: rounds, closed: closed, notClosed: notClosed, revokeToClose: latencies.summary)
    }
}
