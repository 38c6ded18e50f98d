import ArgumentParser
import Foundation
import Logging
import SignalServer

/// `signal-server serve`: runs the server until SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the signaling server (the default command).",
        usage: "signal-server serve [--env-file <path>] [<setting flags> ...]",
        discussion: SettingsHelp.text())

    @OptionGroup var sources: ConfigurationSources

    /// The settings' flags, which ArgumentParser leaves to ``SettingArguments`` (one table, not
    /// one property per setting).
    @Argument(parsing: .allUnrecognized, help: .hidden) var settingArguments: [String] = []

    func validate() throws {
        _ = try settingFlags()
    }

    /// The settings the flags give, by variable name.
    private func settingFlags() throws(ValidationError) -> [String: String] {
        do {
            return try SettingArguments.values(settingArguments)
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() async throws {
        let flags = try settingFlags()
        let configuration: SignalConfiguration
        do {
            configuration = try SignalConfiguration(reader: try await sources.reader(flags: flags))
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
        let (format, level) = (configuration.logFormat, configuration.logLevel)
        LoggingSystem.bootstrap { label in format.handler(label: label, level: level) }
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
        let (http, ws) = configuration.tls == nil ? ("http", "ws") : ("https", "wss")
        var lines = ["signal-server listening on \(http)://\(host):\(port)  (WebSocket: \(ws)://\(host):\(port)/signal)"]
        if case .enabled = configuration.authentication {
            lines.append("Mint a room token:")
            lines.append(
                "  curl -s -X POST \(http)://\(host):\(port)/token -H \"x-admin-secret: $(grep '^ADMIN_SECRET=' .env | cut -d= -f2-)\" "
                    + "-H 'content-type: application/json' -d '{\"ttl\":\"1h\",\"subject\":\"my-room\"}'")
        }
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }
}
