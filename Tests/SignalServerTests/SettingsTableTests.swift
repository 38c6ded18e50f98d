import Configuration
import Foundation
import SignalServer
import Testing

/// The settings table (``SignalConfiguration/settings``) against the documents that repeat it,
/// and its `serve` flags.
@Suite struct SettingsTableTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let settings = SignalConfiguration.settings

    /// The rows of the README's configuration table: variable, flags, default (backticks removed).
    static func readmeRows() throws -> [(variable: String, flags: String, default: String)] {
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "\n## Configuration\n").dropFirst().first)
            .components(separatedBy: "\n## ")[0]
        return section.split(separator: "\n").filter { $0.hasPrefix("| `") }.map { row in
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "`", with: "") }
            return (cells[0], cells[1], cells[2])
        }
    }

    /// The `NAME=value` lines of `.env.example`, commented out (`# NAME=value`) or not.
    static func envExampleLines() throws -> [(variable: String, value: String, commented: Bool)] {
        let text = try String(contentsOf: root.appendingPathComponent(".env.example"), encoding: .utf8)
        let assignment = try Regex(#"^(# )?([A-Z][A-Z0-9_]*)=(.*)$"#)
        return text.split(separator: "\n").compactMap { line in
            guard let match = String(line).wholeMatch(of: assignment) else { return nil }
            return (String(match.output[2].substring!), String(match.output[3].substring!), match.output[1].substring != nil)
        }
    }

    @Test func variablesAreUniqueAndUpperSnakeCase() {
        let variables = Self.settings.map(\.variable)
        #expect(Set(variables).count == variables.count)
        for variable in variables {
            #expect(variable.wholeMatch(of: /[A-Z][A-Z0-9]*(_[A-Z0-9]+)*/) != nil, "\(variable)")
        }
    }

    @Test func readmeListsExactlyTheSettingsWithTheirFlagsAndDefaults() throws {
        let rows = try Self.readmeRows()
        #expect(rows.map(\.variable) == Self.settings.map(\.variable), "README § Configuration, in table order")
        for setting in Self.settings {
            guard let row = rows.first(where: { $0.variable == setting.variable }) else { continue }
            let flags = [setting.flag] + (setting.negatedFlag.map { [$0] } ?? [])
            #expect(row.flags == flags.joined(separator: " / "), "\(setting.variable)")
            #expect(row.default == setting.defaultDescription, "\(setting.variable)")
        }
    }

    @Test func envExampleListsExactlyTheSettingsWithTheirDefaults() throws {
        let lines = try Self.envExampleLines()
        #expect(lines.map(\.variable) == Self.settings.map(\.variable), ".env.example, in table order")
        for line in lines where !line.commented && !line.value.isEmpty {
            let setting = try #require(Self.settings.first { $0.variable == line.variable })
            #expect(line.value == setting.defaultDescription, "\(line.variable)")
        }
    }

    @Test func everyDefaultReadsBackAsTheDefault() throws {
        // The documented defaults, given explicitly, change nothing.
        var explicit: [String: String] = ["AUTH_DISABLED": "true"]
        for setting in Self.settings where !setting.isSecret && explicit[setting.variable] == nil {
            if setting.defaultDescription != "unset" && !setting.defaultDescription.contains(" ") {
                explicit[setting.variable] = setting.defaultDescription
            }
        }
        let read = try SignalConfiguration(reader: ConfigReader(providers: [EnvironmentVariablesProvider(environmentVariables: explicit)]))
        let defaults = SignalConfiguration(authentication: .disabled)
        #expect(read.port == defaults.port && read.host == defaults.host)
        #expect(read.maxTokenTTL == defaults.maxTokenTTL && read.registerTimeout == defaults.registerTimeout)
        #expect(read.pingInterval == defaults.pingInterval && read.logLevel == defaults.logLevel)
        #expect(read.consumerAlgorithms == defaults.consumerAlgorithms && read.demoPage == defaults.demoPage)
        #expect(read.maxMessageBytes == defaults.maxMessageBytes && read.maxOutboundBytes == defaults.maxOutboundBytes)
        #expect(read.tokenIssuer == defaults.tokenIssuer && read.tokenAudience == defaults.tokenAudience)
    }

    // MARK: Flags

    @Test func flagsAreTheVariablesInKebabCase() throws {
        let byVariable = Dictionary(uniqueKeysWithValues: Self.settings.map { ($0.variable, $0) })
        #expect(byVariable["MAX_MESSAGE_BYTES"]?.flag == "--max-message-bytes")
        #expect(byVariable["DEMO_PAGE"]?.negatedFlag == "--no-demo-page")
        #expect(byVariable["PORT"]?.negatedFlag == nil)
    }

    @Test func argumentsGiveValuesByVariable() throws {
        let values = try SettingArguments.values([
            "--port", "0", "--host=127.0.0.1", "--auth-disabled", "--no-demo-page", "--max-token-ttl=-1h",
            "--admin-secret", "--looks-like-a-flag", "--log-level", "debug", "--log-level", "error",
        ])
        #expect(
            values == [
                "PORT": "0", "HOST": "127.0.0.1", "AUTH_DISABLED": "true", "DEMO_PAGE": "false", "MAX_TOKEN_TTL": "-1h",
                "ADMIN_SECRET": "--looks-like-a-flag", "LOG_LEVEL": "error",
            ])
        #expect(try SettingArguments.values(["--demo-page=false", "--auth-disabled=no"]) == ["DEMO_PAGE": "false", "AUTH_DISABLED": "no"])
        #expect(try SettingArguments.values([]).isEmpty)
    }

    @Test(arguments: [
        (["--prot", "80"], SettingArgumentError.unknownFlag("--prot")),
        (["--no-port"], .unknownFlag("--no-port")),
        (["-p", "80"], .strayValue),
        (["8080"], .strayValue),
        (["--port"], .missingValue(flag: "--port")),
        (["--no-demo-page=true"], .valueForNegatedFlag(flag: "--no-demo-page")),
    ])
    func badArgumentsAreRefused(arguments: [String], error: SettingArgumentError) {
        #expect(throws: error) { try SettingArguments.values(arguments) }
    }

    @Test func refusalsNeverShowAValue() {
        #expect(throws: SettingArgumentError.unknownFlag("--admin-secet")) {
            try SettingArguments.values(["--admin-secet=do-not-print-me"])
        }
    }
}
