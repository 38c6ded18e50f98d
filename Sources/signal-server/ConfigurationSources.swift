import ArgumentParser
import Configuration
import SystemPackage

/// Where configuration comes from: flags, then the process environment, then a `.env` file.
struct ConfigurationSources: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The .env file read after the environment.", valueName: "path"))
    var envFile = ".env"

    /// A reader in which `flags` (variable name → value) win over the environment, and the
    /// environment over the `.env` file.
    func reader(flags: [String: String] = [:]) async throws -> ConfigReader {
        ConfigReader(providers: [
            EnvironmentVariablesProvider(environmentVariables: flags),
            EnvironmentVariablesProvider(),
            try await EnvironmentVariablesProvider(environmentFilePath: FilePath(envFile), allowMissing: true),
        ])
    }
}
