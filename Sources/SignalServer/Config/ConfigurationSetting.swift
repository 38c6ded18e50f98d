import Configuration

/// One configuration setting, written once: its environment variable, its `serve` flag, its
/// default, how its value is parsed and checked, and its help.
///
/// ``SignalConfiguration/settings`` lists every setting; the configuration reader, the `serve`
/// flags and `serve --help` all come from that table, and a test holds `.env.example` and the
/// README's table to it.
public struct ConfigurationSetting: Sendable {
    /// How the setting is given as a `serve` flag.
    public enum Form: Sendable, Equatable {
        /// `--name <valueName>` or `--name=<valueName>`.
        case value(valueName: String)
        /// A switch: `--name` sets `true`, `--no-name` sets `false`.
        case toggle
    }

    /// The environment variable (and `.env` key), such as `MAX_MESSAGE_BYTES`.
    public let variable: String
    /// How the flag takes its value.
    public let form: Form
    /// The default as the help and the README show it: a value such as `65536`, or a phrase
    /// such as `unset` or `required with auth`.
    public let defaultDescription: String
    /// One or two sentences for `serve --help`.
    public let help: String
    /// Whether the value is a secret: never logged, and an empty value counts as unset.
    public let isSecret: Bool
    private let apply: @Sendable (inout ConfigurationDraft, String) throws(InvalidSettingValue) -> Void

    /// The `serve` flag: the variable in lower kebab case, `--max-message-bytes`.
    public var flag: String { "--" + String(variable.lowercased().map { $0 == "_" ? "-" : $0 }) }

    /// The flag that sets a ``Form/toggle`` setting to `false`, `--no-demo-page`; `nil` for others.
    public var negatedFlag: String? { form == .toggle ? "--no-" + flag.dropFirst(2) : nil }

    /// A setting stored in `field`, whose default is the value `field` starts with.
    init<Value>(
        _ variable: String, _ field: any WritableKeyPath<ConfigurationDraft, Value> & Sendable,
        _ parser: SettingParser<Value>, secret: Bool = false, help: String
    ) {
        self.variable = variable
        self.form = parser.form
        self.defaultDescription = parser.format(ConfigurationDraft()[keyPath: field])
        self.help = help
        self.isSecret = secret
        self.apply = { (draft: inout ConfigurationDraft, text: String) throws(InvalidSettingValue) in
            draft[keyPath: field] = try parser.parse(text)
        }
    }

    /// A setting stored in the optional `field`; `unset` describes the default when `field`
    /// starts as `nil`.
    init<Value>(
        _ variable: String, _ field: any WritableKeyPath<ConfigurationDraft, Value?> & Sendable,
        _ parser: SettingParser<Value>, unset: String = "unset", secret: Bool = false, help: String
    ) {
        self.variable = variable
        self.form = parser.form
        self.defaultDescription = ConfigurationDraft()[keyPath: field].map(parser.format) ?? unset
        self.help = help
        self.isSecret = secret
        self.apply = { (draft: inout ConfigurationDraft, text: String) throws(InvalidSettingValue) in
            draft[keyPath: field] = try parser.parse(text)
        }
    }

    /// Reads the variable from `reader` (when set) into `draft`; an invalid value is an error
    /// naming the variable, never showing the value.
    func read(from reader: ConfigReader, into draft: inout ConfigurationDraft) throws(ConfigurationError) {
        let key = ConfigKey(variable)
        guard let text = isSecret ? reader.string(forKey: key, isSecret: true) : reader.string(forKey: key) else { return }
        if isSecret && text.isEmpty { return }
        do {
            try apply(&draft, text)
        } catch {
            throw ConfigurationError(variable: variable, problem: error.problem)
        }
    }
}
