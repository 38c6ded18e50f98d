import Foundation
import NIOWebSocket
import TestServices
import Testing

/// A server at its open-file limit refuses new sockets politely and keeps serving the old ones.
@Suite struct SocketLimitTests {
    @Test func atTheOpenFileLimitUpgradesGet503AndPeersKeepRelaying() async throws {
        let (server, port, token) = try await startWithOpenFileLimit100()
        defer { server.signal(SIGKILL) }

        var sockets: [TestSocket] = []
        var refused = false
        for index in 0..<60 {
            do {
                let socket = try await TestSocket.connect(port: port, target: TestServer.target(["token": token, "nodeId": "n\(index)"]))
                try await socket.send(json: ["type": "register"])
                _ = try await socket.nextJSON()
                sockets.append(socket)
            } catch {
                // Refused before or during the upgrade; the 503 below says why.
                refused = true
                break
            }
        }
        #expect(refused, "the server kept upgrading past its limit")
        #expect(sockets.count == 36)

        let status = try await HTTPClient.request(port: port, method: "GET", target: "/signal", headers: [], body: nil)
        #expect(status.status == 503)
        #expect(String(decoding: status.body, as: UTF8.self).contains(#""statusCode":503"#))
        #expect(server.output.contains("refusing new /signal sockets with 503"))
        // A real handshake, with the headers every browser sends, gets the same JSON 503.
        let handshake = try await RawConnection.open(port: port)
        try await handshake.send(webSocketRequest(TestServer.target(["token": token, "nodeId": "over"])))
        expectJSONError(try await handshake.readResponse(), 503)
        _ = try await handshake.readUntilClosed()

        // The sockets it holds are untouched: the first and the last still relay.
        let first = try #require(sockets.first), last = try #require(sockets.last)
        try await first.send(json: ["type": "offer", "to": "n35", "sdp": "still here"])
        let offer = try await last.nextJSON()
        #expect(offer["from"] as? String == "n0")
        #expect(offer["sdp"] as? String == "still here")

        // Once a socket leaves, a new one is admitted again.
        try await first.send(bytes: [0x03, 0xE8], opcode: .connectionClose)
        _ = try await first.nextClose()
        let again = try await TestSocket.connect(port: port, target: TestServer.target(["token": token, "nodeId": "late"]))
        try await again.send(json: ["type": "register"])
        #expect(try await again.nextJSON()["type"] as? String == "peer-list")
    }

    @Test func everyConnectionCountsSoSilentOnesKeepSocketsOutButNotHealth() async throws {
        let (server, port, token) = try await startWithOpenFileLimit100()
        defer { server.signal(SIGKILL) }
        // 36 connections that send nothing fill the budget...
        var silent: [RawConnection] = []
        for _ in 0..<36 { silent.append(try await RawConnection.open(port: port)) }
        let refused = try await RawConnection.open(port: port)
        try await refused.send(webSocketRequest(TestServer.target(["token": token, "nodeId": "refused"])))
        expectJSONError(try await refused.readResponse(), 503)
        // ...while the descriptors in reserve keep /health answering.
        #expect(try await HTTPClient.request(port: port, method: "GET", target: "/health", headers: [], body: nil).status == 200)
        // The request deadline frees them, and sockets are admitted again.
        for connection in silent { _ = try await connection.readUntilClosed(within: 60) }
        let admitted = try await TestSocket.connect(port: port, target: TestServer.target(["token": token, "nodeId": "later"]))
        try await admitted.register()
        #expect(try await admitted.nextJSON()["type"] as? String == "peer-list")
    }

    @Test func concurrentUpgradesNeverExceedTheLimit() async throws {
        let (server, port, token) = try await startWithOpenFileLimit100()
        defer { server.signal(SIGKILL) }
        let sockets = await withTaskGroup(of: TestSocket?.self) { group in
            for index in 0..<60 {
                group.addTask {
                    let target = TestServer.target(["token": token, "nodeId": "n\(index)"])
                    return try? await TestSocket.connect(port: port, target: target)
                }
            }
            var sockets: [TestSocket] = []
            for await socket in group { if let socket { sockets.append(socket) } }
            return sockets
        }
        // Every connection of the burst is counted from its accept, so how many of them win
        // depends on timing; that no more than the limit do does not.
        #expect(sockets.count <= 36, "\(sockets.count) sockets upgraded against a limit of 36")
    }

    /// The built server under `ulimit -n 100` (100 descriptors, 64 in reserve: a budget of 36
    /// connections), its port and a room token.
    private func startWithOpenFileLimit100() async throws -> (RunningProcess, Int, String) {
        let directory = try CommandLineTool.temporaryDirectory()
        #expect(try await CommandLineTool.run(["keygen", "--env-file", ".env"], in: directory).status == 0)
        let server = RunningProcess(
            ["-c", "ulimit -n 100 && exec \"$0\" serve --host 127.0.0.1 --port 0", CommandLineTool.binary().path],
            // A 20 s request deadline (× SIGNAL_TEST_SLOWDOWN): the silent connections must outlive
            // their opening even in a loaded sanitized build, many times slower.
            executable: "/bin/bash", in: directory,
            environment: CommandLineTool.environment(["REQUEST_TIMEOUT": "\(Int(20 * testSlowdown))s"]))
        try server.start()
        let port = try #require(Int(try await server.awaitOutput(matching: #"listening on http://127\.0\.0\.1:(\d+)"#)))
        let minted = try await CommandLineTool.run(["token", "--subject", "full-room"], in: directory)
        return (server, port, minted.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
