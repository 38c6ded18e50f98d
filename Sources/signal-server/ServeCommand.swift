import ArgumentParser
import Foundation
import Logging
import SignalServer

/// `signal-server serve`: runs the server until SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the signaling server (the default command).",
        discussion: "Every option has an environment variable of the same name in upper snake case (PORT, HOST, ...).")

    @OptionGroup var sources: ConfigurationSources

    @Option(help: "Listen port (PORT, default 8080).") var port: Int?
    @Option(help: "Listen address (HOST, default 0.0.0.0).") var host: String?
    @Flag(help: "Run without tokens: /token and /public-key answer 404 (AUTH_DISABLED).") var authDisabled = false
    @Option(help: "Base64 (or raw JSON) private Ed25519 JWK (PRIVATE_KEY_JWK). Prefer the environment: flags show in `ps`.")
    var privateKeyJwk: String?
    @Option(help: "Base64 (or raw JSON) public Ed25519 JWK (PUBLIC_KEY_JWK).") var publicKeyJwk: String?
    @Option(help: "Secret for POST /token, at least 16 characters (ADMIN_SECRET). Prefer the environment.")
    var adminSecret: String?
    @Option(help: "iss of room tokens (TOKEN_ISSUER, default aikofy:client-db-sync).") var tokenIssuer: String?
    @Option(help: "aud of room tokens (TOKEN_AUDIENCE, default aikofy:client-db).") var tokenAudience: String?
    @Option(help: "Base64 (or raw JSON) JWK, JWK array or JWKS of the identity provider that signs consumer tokens (CONSUMER_PUBLIC_KEY_JWK).")
    var consumerPublicKeyJwk: String?
    @Option(help: "iss required of consumer tokens (CONSUMER_ISSUER, default: not checked).") var consumerIssuer: String?
    @Option(help: "aud required of consumer tokens (CONSUMER_AUDIENCE, default: not checked).") var consumerAudience: String?
    @Option(help: "alg values accepted for consumer tokens: ES256, RS256, PS256 (CONSUMER_ALGORITHMS, default ES256,RS256).")
    var consumerAlgorithms: String?
    @Option(help: "Longest TTL /token grants (MAX_TOKEN_TTL, default 1y).") var maxTokenTtl: String?
    @Option(help: "Largest text message in bytes (MAX_MESSAGE_BYTES, default 65536).") var maxMessageBytes: String?
    @Option(help: "Unsent bytes queued per socket before it is closed 1008 (MAX_OUTBOUND_BYTES, default 1048576).")
    var maxOutboundBytes: String?
    @Option(help: "Time a socket may stay unregistered (REGISTER_TIMEOUT, default 10s).") var registerTimeout: String?
    @Option(help: "Server ping interval; silence for two intervals drops a peer (PING_INTERVAL, default 30s).")
    var pingInterval: String?
    @Option(help: "trace, debug, info, notice, warning, error or critical (LOG_LEVEL, default info).") var logLevel: String?
    @Option(help: "Event-loop threads (EVENT_LOOPS, default: the CPUs this process may run on).") var eventLoops: String?
    @Flag(inversion: .prefixedNo, help: "Serve the browser demo page at GET /demo (DEMO_PAGE, default on).") var demoPage: Bool?

    /// The flags that were given, under their environment variable names.
    private var flags: [String: String] {
        var flags: [String: String] = [:]
        flags["PORT"] = port.map(String.init)
        flags["HOST"] = host
        flags["AUTH_DISABLED"] = authDisabled ? "true" : nil
        flags["PRIVATE_KEY_JWK"] = privateKeyJwk
        flags["PUBLIC_KEY_JWK"] = publicKeyJwk
        flags["ADMIN_SECRET"] = adminSecret
        flags["TOKEN_ISSUER"] = tokenIssuer
        flags["TOKEN_AUDIENCE"] = tokenAudience
        flags["CONSUMER_PUBLIC_KEY_JWK"] = consumerPublicKeyJwk
        flags["CONSUMER_ISSUER"] = consumerIssuer
        flags["CONSUMER_AUDIENCE"] = consumerAudience
        flags["CONSUMER_ALGORITHMS"] = consumerAlgorithms
        flags["MAX_TOKEN_TTL"] = maxTokenTtl
        flags["MAX_MESSAGE_BYTES"] = maxMessageBytes
        flags["MAX_OUTBOUND_BYTES"] = maxOutboundBytes
        flags["REGISTER_TIMEOUT"] = registerTimeout
        flags["PING_INTERVAL"] = pingInterval
        flags["LOG_LEVEL"] = logLevel
        flags["EVENT_LOOPS"] = eventLoops
        flags["DEMO_PAGE"] = demoPage.map { $0 ? "true" : "false" }
        return flags
    }

    func run() async throws {
        let configuration: SignalConfiguration
        do {
            configuration = try SignalConfiguration(reader: try await sources.reader(flags: flags))
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
        let level = configuration.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "signal-server")
        if case .disabled = configuration.authentication {
            logger.warning("AUTH_DISABLED=true: anyone can join any room; never run this way in production")
        }
        for warning in configuration.consumerWarnings {
            logger.warning("\(warning)")
        }
        try await SignalApplication.run(configuration: configuration, logger: logger) { port in
            Self.printQuickStart(configuration: configuration, port: port)
        }
    }

    /// Once listening: where the server is, and how to mint a first token. The admin secret is
    /// read from `.env` by the printed command, never printed itself.
    private static func printQuickStart(configuration: SignalConfiguration, port: Int) {
        let host = configuration.host == "0.0.0.0" ? "localhost" : configuration.host
        var lines = ["signal-server listening on http://\(host):\(port)  (WebSocket: ws://\(host):\(port)/signal)"]
        if case .enabled = configuration.authentication {
            lines.append("Mint a room token:")
            lines.append(
                "  curl -s -X POST http://\(host):\(port)/token -H \"x-admin-secret: $(grep '^ADMIN_SECRET=' .env | cut -d= -f2-)\" "
                    + "-H 'content-type: application/json' -d '{\"ttl\":\"1h\",\"subject\":\"my-room\"}'")
        }
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }
}
