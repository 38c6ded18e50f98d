/// Reads `serve` flags with the settings table: `--port 8080`, `--port=8080`, `--demo-page`,
/// `--no-demo-page`, `--demo-page=false`.
///
/// swift-argument-parser needs its options declared one by one; `serve` instead hands it the
/// arguments it does not know itself, and this reads them, so a setting is declared only in
/// ``SignalConfiguration/settings``. The values are then checked like any other source.
public enum SettingArguments {
    /// The value each flag in `arguments` gives, under its variable name (a later flag wins).
    public static func values(
        _ arguments: [String], settings: [ConfigurationSetting] = SignalConfiguration.settings
    ) throws(SettingArgumentError) -> [String: String] {
        var values: [String: String] = [:]
        var remaining = arguments[...]
        while let argument = remaining.popFirst() {
            guard argument.hasPrefix("--") else { throw .strayValue }
            let parts = argument.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            let inline = parts.count == 2 ? String(parts[1]) : nil
            if let setting = settings.first(where: { $0.flag == name }) {
                switch (setting.form, inline) {
                case (_, let value?): values[setting.variable] = value
                case (.toggle, nil): values[setting.variable] = "true"
                case (.value, nil):
                    guard let value = remaining.popFirst() else { throw .missingValue(flag: name) }
                    values[setting.variable] = value
                }
            } else if let setting = settings.first(where: { $0.negatedFlag == name }) {
                guard inline == nil else { throw .valueForNegatedFlag(flag: name) }
                values[setting.variable] = "false"
            } else {
                throw .unknownFlag(name)
            }
        }
        return values
    }
}
