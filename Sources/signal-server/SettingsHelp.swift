import SignalServer

/// The settings part of `serve --help`, generated from ``SignalConfiguration/settings``: each
/// flag with its variable and default, then its help.
enum SettingsHelp {
    /// Lines are kept under this width, so ArgumentParser prints them as they are.
    private static let width = 79
    private static let indent = "      "

    /// Every setting, one block each.
    static func text(_ settings: [ConfigurationSetting] = SignalConfiguration.settings) -> String {
        var lines = [
            "Settings (flag, environment variable, default). Flags win over the environment,",
            "the environment over the .env file:",
        ]
        for setting in settings {
            let flags: String
            switch setting.form {
            case .value(let valueName): flags = "\(setting.flag) <\(valueName)>"
            case .toggle: flags = setting.flag + (setting.negatedFlag.map { ", \($0)" } ?? "")
            }
            let origin = "(\(setting.variable), default: \(setting.defaultDescription))"
            // A heading too long for one line gives its variable and default a line of their own.
            let heading = "  \(flags)  \(origin)"
            lines += heading.count <= width ? [heading] : ["  \(flags)", indent + origin]
            lines += wrapped(setting.help)
        }
        return lines.joined(separator: "\n")
    }

    /// `text` broken at spaces into indented lines under ``width``.
    private static func wrapped(_ text: String) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && indent.count + line.count + 1 + word.count > width {
                lines.append(indent + line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(indent + line) }
        return lines
    }
}
