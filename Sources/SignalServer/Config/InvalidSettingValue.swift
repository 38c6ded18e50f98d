/// Why a ``SettingParser`` refused a value; the reader turns it into a ``ConfigurationError``
/// naming the variable.
struct InvalidSettingValue: Error {
    /// What is wrong, as a sentence fragment that does not repeat the value.
    let problem: String
}
