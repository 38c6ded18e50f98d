import Foundation
import SignalServer
import Signaling
import Testing

/// The built `signal-server` binary, run as a newcomer would run it.
@Suite struct CLITests {
    @Test func keygenPrintsALoadablePair() async throws {
        let directory = try CommandLineTool.temporaryDirectory()
        let result = try await CommandLineTool.run(["keygen"], in: directory)
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        let privateJWK = try #require(lines.first { $0.hasPrefix("PRIVATE_KEY_JWK=") }).dropFirst("PRIVATE_KEY_JWK=".count)
        let publicJWK = try #require(lines.first { $0.hasPrefix("PUBLIC_KEY_JWK=") }).dropFirst("PUBLIC_KEY_JWK=".count)
        _ = try SigningKeyPair(privateJWK: String(privateJWK), publicJWK: String(publicJWK))
    }

    @Test func keygenIntoAnEnvFileKeepsOtherLines() async throws {
        let directory = try CommandLineTool.temporaryDirectory()
        let envFile = directory.appendingPathComponent("custom.env")
        try "FOO=bar\n# a comment\nADMIN_SECRET=keep-this-admin-secret\nPORT=9999\n".write(to: envFile, atomically: true, encoding: .utf8)

        #expect(try await CommandLineTool.run(["keygen", "--env-file", envFile.path], in: directory).status == 0)
        let first = try String(contentsOf: envFile, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(Array(first.prefix(4)) == ["FOO=bar", "# a comment", "ADMIN_SECRET=keep-this-admin-secret", "PORT=9999"])
        #expect(first.filter { $0.hasPrefix("PRIVATE_KEY_JWK=") }.count == 1)
        #expect(first.filter { $0.hasPrefix("PUBLIC_KEY_JWK=") }.count == 1)
        let permissions = try FileManager.default.attributesOfItem(atPath: envFile.path)[.posixPermissions] as? Int
        #expect(permissions == 0o600)

        // A second run replaces the keys in place and keeps the existing secret.
        #expect(try await CommandLineTool.run(["keygen", "--env-file", envFile.path], in: directory).status == 0)
        let second = try String(contentsOf: envFile, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(second.count == first.count)
        #expect(second.filter { $0.hasPrefix("ADMIN_SECRET=") } == ["ADMIN_SECRET=keep-this-admin-secret"])
        #expect(second.first { $0.hasPrefix("PRIVATE_KEY_JWK=") } != first.first { $0.hasPrefix("PRIVATE_KEY_JWK=") })
    }

    @Test func keygenAddsAnAdminSecretWhenMissing() async throws {
        let directory = try CommandLineTool.temporaryDirectory()
        #expect(try await CommandLineTool.run(["keygen", "--env-file", ".env"], in: directory).status == 0)
        let lines = try String(contentsOf: directory.appendingPathComponent(".env"), encoding: .utf8).split(separator: "\n")
        let secret = try #require(lines.first { $0.hasPrefix("ADMIN_SECRET=") }).dropFirst("ADMIN_SECRET=".count)
        #expect(secret.count >= AdminSecret.minimumLength)
    }

    @Test func serveRefusesABadVariableWithOneLineNamingIt() async throws {
        let directory = try CommandLineTool.temporaryDirectory()
        let result = try await CommandLineTool.run(
            ["serve"], in: directory, environment: ["AUTH_DISABLED": "true", "PORT": "eighty"])
        #expect(result.status != 0)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.contains("PORT") == true)
    }

    @Test func serveRefusesABadKeyWithoutPrintingIt() async throws {
        let directory = try CommandLineTool.temporaryDirectory()
        let secretLooking = "c2VjcmV0LXZhbHVlLXRoYXQtbXVzdC1ub3QtbGVhaw=="
        let result = try await CommandLineTool.run(
            ["serve"], in: directory,
            environment: ["PRIVATE_KEY_JWK": secretLooking, "PUBLIC_KEY_JWK": secretLooking, "ADMIN_SECRET": "0123456789abcdef"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("PRIVATE_KEY_JWK"))
        #expect(!result.stderr.contains(secretLooking) && !result.stdout.contains(secretLooking))
    }

    @Test func serveWithoutAuthConfigurationExplainsWhatToDo() async throws {
        let directory = try CommandLineTool.temporaryDirectory()
        let result = try await CommandLineTool.run(["serve"], in: directory)
        #expect(result.status != 0)
        #expect(result.stderr.contains("PRIVATE_KEY_JWK"))
        #expect(result.stderr.contains("AUTH_DISABLED=true"))
        #expect(result.stderr.contains("keygen"))
    }

    @Test func offlineTokenOpensTheRunningServerAndSigtermClosesIt() async throws {
        let directory = try CommandLineTool.temporaryDirectory()
        #expect(try await CommandLineTool.run(["keygen", "--env-file", ".env"], in: directory).status == 0)
        let server = RunningProcess(
            ["serve", "--host", "127.0.0.1", "--port", "0"], in: directory, environment: CommandLineTool.environment())
        try server.start()
        let portText = try await server.awaitOutput(matching: #"listening on http://127\.0\.0\.1:(\d+)"#)
        let port = try #require(Int(portText))

        let minted = try await CommandLineTool.run(["token", "--subject", "cli-room", "--ttl", "5m"], in: directory)
        #expect(minted.status == 0)
        let token = minted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let verified = try await CommandLineTool.run(["verify", token], in: directory)
        #expect(verified.status == 0)
        #expect(verified.stdout.contains("sub=cli-room"))

        let socket = try await TestSocket.connect(port: port, target: TestServer.target(["token": token, "nodeId": "n1"]))
        try await socket.send(json: ["type": "register"])
        #expect(try await socket.nextJSON()["type"] as? String == "peer-list")

        server.signal(SIGTERM)
        let close = try await socket.nextClose()
        #expect(close.code == 1001)
        #expect(close.reason == "server shutting down")
        #expect(try await server.exitStatus(within: 10) == 0)
    }

    @Test func verifyRejectsATamperedToken() async throws {
        let directory = try CommandLineTool.temporaryDirectory()
        #expect(try await CommandLineTool.run(["keygen", "--env-file", ".env"], in: directory).status == 0)
        let token = try await CommandLineTool.run(["token", "--subject", "r"], in: directory).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        var segments = token.split(separator: ".").map(String.init)
        segments[1] = Base64.encode(Array(#"{"sub":"other","iss":"aikofy:client-db-sync","aud":"aikofy:client-db","exp":9999999999}"#.utf8))
        let result = try await CommandLineTool.run(["verify", segments.joined(separator: ".")], in: directory)
        #expect(result.status == 1)
        #expect(result.stdout.contains("rejected"))
    }

    @Test func versionAndHelp() async throws {
        let directory = try CommandLineTool.temporaryDirectory()
        let version = try await CommandLineTool.run(["--version"], in: directory)
        #expect(version.status == 0 && !version.stdout.isEmpty)
        let help = try await CommandLineTool.run(["serve", "--help"], in: directory)
        for flag in ["--port", "--host", "--auth-disabled", "--max-message-bytes", "--ping-interval", "--env-file"] {
            #expect(help.stdout.contains(flag), "serve --help lists \(flag)")
        }
        // Every setting of the table, with its variable and default.
        for setting in SignalConfiguration.settings {
            #expect(
                help.stdout.contains("\(setting.flag)") && help.stdout.contains("(\(setting.variable), default: \(setting.defaultDescription))"),
                "serve --help lists \(setting.variable)")
        }
    }

    @Test func flagsWinOverTheEnvironmentAndAreCheckedLikeIt() async throws {
        let directory = try CommandLineTool.temporaryDirectory()
        // The bad PORT in the environment is overridden by --port; the bad flag value is refused.
        let result = try await CommandLineTool.run(
            ["serve", "--auth-disabled", "--port", "0", "--max-message-bytes=lots"], in: directory,
            environment: ["PORT": "eighty", "AUTH_DISABLED": "false"])
        #expect(result.status == 1)
        #expect(result.stderr == "error: MAX_MESSAGE_BYTES: must be a whole number from 128 to 67108864\n")
        // The default command takes the same flags.
        let bare = try await CommandLineTool.run(["--no-demo-page", "--port", "70000"], in: directory, environment: ["AUTH_DISABLED": "true"])
        #expect(bare.status == 1)
        #expect(bare.stderr.hasPrefix("error: PORT"))
    }

    @Test func anUnknownFlagIsAUsageError() async throws {
        let directory = try CommandLineTool.temporaryDirectory()
        let result = try await CommandLineTool.run(["serve", "--prot", "80"], in: directory, environment: ["AUTH_DISABLED": "true"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("unknown option --prot"))
    }
}
