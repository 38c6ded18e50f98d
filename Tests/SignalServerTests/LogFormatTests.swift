import Foundation
import Logging
import NIOCore
import SignalServer
import Signaling
import NIOConcurrencyHelpers
import Testing

/// `LOG_FORMAT`: the JSON handler's lines, and what the real binary writes over a whole session
/// at trace level in either format: no secret, ever.
@Suite struct LogFormatTests {
    @Test func jsonHandlerWritesOneEscapedObjectPerEvent() throws {
        let lines = NIOLockedValueBox<[String]>([])
        var logger = Logger(label: "test") { _ in JSONLogHandler { line in lines.withLockedValue { $0.append(String(buffer: line)) } } }
        logger.logLevel = .trace
        logger[metadataKey: "conn"] = "1a"
        let hostile = "quote\" backslash\\ newline\n return\r tab\t nul\u{0} bell\u{7} esc\u{1B} del\u{7F} é 😀 \u{2028} end"
        logger.warning("\(hostile)", metadata: ["value": .string(hostile), "list": ["a", "b"]])
        logger.trace("plain")

        let written = lines.withLockedValue { $0 }
        try #require(written.count == 2)
        let line = written[0]
        #expect(line.hasSuffix("}\n"))
        #expect(line.dropLast().allSatisfy { $0 != "\n" && $0 != "\r" }, "one line per event: \(line)")
        #expect(!line.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "raw control characters: \(line)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["time", "level", "message", "metadata"])
        #expect(object["level"] as? String == "warning")
        #expect(object["message"] as? String == hostile)
        let time = try #require(object["time"] as? String)
        #expect(time.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil, "\(time)")
        let metadata = try #require(object["metadata"] as? [String: String])
        #expect(metadata == ["conn": "1a", "value": hostile, "list": #"["a", "b"]"#])

        let plain = try #require(try JSONSerialization.jsonObject(with: Data(written[1].utf8)) as? [String: Any])
        #expect(plain["message"] as? String == "plain")
        #expect(plain["level"] as? String == "trace")
    }

    /// Token mint, two peers registering and relaying, a consumer refused, SIGTERM: every byte
    /// the process writes is searched for the admin secret, the room token and its signature,
    /// the private key's `d` and the identity provider's token.
    @Test(arguments: ["text", "json"])
    func aWholeSessionAtTraceLevelLogsNoSecret(format: String) async throws {
        let directory = try CommandLineTool.temporaryDirectory()
        #expect(try await CommandLineTool.run(["keygen", "--env-file", ".env"], in: directory).status == 0)
        let environmentFile = try String(contentsOf: directory.appendingPathComponent(".env"), encoding: .utf8)
        func value(_ name: String) throws -> String {
            let line = try #require(environmentFile.split(separator: "\n").first { $0.hasPrefix(name + "=") })
            return String(line.dropFirst(name.count + 1))
        }
        let adminSecret = try value("ADMIN_SECRET")
        let privateJWK = try #require(Base64.decode(try value("PRIVATE_KEY_JWK"), variant: .standard))
        let privateKey = try #require(try JSONSerialization.jsonObject(with: Data(privateJWK)) as? [String: Any])
        let d = try #require(privateKey["d"] as? String)
        let provider = IdentityProvider()

        let server = RunningProcess(
            ["serve", "--host", "127.0.0.1", "--port", "0"], in: directory,
            environment: CommandLineTool.environment([
                "LOG_LEVEL": "trace", "LOG_FORMAT": format, "DRAIN_TIMEOUT": "0s",
                "CONSUMER_PUBLIC_KEY_JWK": provider.configurationValue,
                "CONSUMER_ISSUER": IdentityProvider.issuer, "CONSUMER_AUDIENCE": IdentityProvider.audience,
            ]))
        try server.start()
        defer { server.signal(SIGKILL) }
        let port = try #require(Int(try await server.awaitOutput(matching: #"listening on http://127\.0\.0\.1:(\d+)"#)))

        let minted = try await HTTPClient.request(
            port: port, method: "POST", target: "/token",
            headers: [("x-admin-secret", adminSecret), ("content-type", "application/json")],
            body: #"{"ttl":"1h","subject":"log-room"}"#)
        #expect(minted.status == 201)
        let token = try #require((try JSONSerialization.jsonObject(with: minted.body) as? [String: Any])?["token"] as? String)
        let alice = try await TestSocket.connect(port: port, target: TestServer.target(["token": token, "nodeId": "alice"]))
        try await alice.register()
        #expect(try await alice.nextJSON()["type"] as? String == "peer-list")
        let bob = try await TestSocket.connect(port: port, target: TestServer.target(["token": token, "nodeId": "bob"]))
        try await bob.register()
        #expect(try await bob.nextJSON()["type"] as? String == "peer-list")
        try await alice.relay(to: "bob", via: bob)
        try await bob.relay(to: "alice", via: alice)

        let identityToken = provider.token(audience: "someone-else")
        let consumer = try await TestSocket.connect(port: port, target: TestServer.target(["room": "log-room", "nodeId": "c"]))
        try await consumer.register(["role": "consumer", "token": identityToken])
        #expect(try await consumer.nextJSON()["type"] as? String == "auth-err")
        try await consumer.expectClose(4003, "invalid consumer token")

        server.signal(SIGTERM)
        #expect(try await server.exitStatus(within: 10) == 0)
        let output = server.output + server.errors
        #expect(output.contains("socket opened") && output.contains("consumer token refused"), "trace lines were written")
        let secrets = [
            "admin secret": adminSecret, "room token": token, "room token signature": String(token.split(separator: ".")[2]),
            "private key d": d, "identity-provider token": identityToken,
            "identity-provider token signature": String(identityToken.split(separator: ".")[2]),
        ]
        for (name, secret) in secrets {
            #expect(!output.contains(secret), "the \(name) was logged")
        }

        let logLines = server.output.split(separator: "\n").filter { $0.contains("socket opened") || $0.contains("socket closed") }
        #expect(logLines.count >= 4)
        for line in logLines {
            if format == "json" {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
                let metadata = try #require(object["metadata"] as? [String: String], "\(line)")
                #expect(metadata["conn"]?.isEmpty == false && metadata["room"] == "log-room", "\(line)")
            } else {
                #expect(line.contains("conn=") && line.contains("room=log-room"), "\(line)")
            }
        }
    }
}
