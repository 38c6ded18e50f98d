import ArgumentParser

/// `signal-server`: the standalone WebRTC signaling server and its key and token tools.
@main
struct SignalServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signal-server",
        abstract: "A WebRTC signaling server: room tokens, peer discovery and offer/answer/ICE relay.",
        discussion: """
            Configuration comes from flags, then the environment, then a .env file in the working \
            directory (flags win over the environment, the environment over .env). See README.md.
            """,
        version: "0.1.0",
        subcommands: [ServeCommand.self, KeygenCommand.self, TokenCommand.self, VerifyCommand.self],
        defaultSubcommand: ServeCommand.self)
}
