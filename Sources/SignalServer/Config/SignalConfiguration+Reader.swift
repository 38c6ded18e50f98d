public import Configuration
public import Signaling

extension SignalConfiguration {
    /// Reads and validates every setting of ``settings`` from `reader` (flags, the environment,
    /// then `.env`).
    ///
    /// Fails on the first invalid value with a ``ConfigurationError`` naming it, so nothing
    /// starts half-configured.
    public init(reader: ConfigReader) throws(ConfigurationError) {
        let draft = try ConfigurationDraft(reading: reader)
        self = draft.configuration
        authentication = try draft.authentication()
        switch (turnSecret, turnURLs) {
        case (.some, nil):
            throw ConfigurationError(variable: "TURN_URLS", problem: "is required when TURN_SECRET is set (for example turn:turn.example.org:3478)")
        case (nil, .some):
            throw ConfigurationError(variable: "TURN_SECRET", problem: "is required when TURN_URLS is set (coturn's static-auth-secret)")
        default:
            break
        }
        tls = try draft.tls()
    }

    /// Loads and cross-checks `PRIVATE_KEY_JWK` and `PUBLIC_KEY_JWK` (for the CLI's offline
    /// `token` and `verify` commands, which need nothing else).
    public static func signingKeys(from reader: ConfigReader) throws(ConfigurationError) -> SigningKeyPair {
        try ConfigurationDraft(reading: reader, settings(named: ["PRIVATE_KEY_JWK", "PUBLIC_KEY_JWK"])).signingKeys()
    }

    /// `TOKEN_ISSUER` and `TOKEN_AUDIENCE`, or their defaults.
    public static func tokenClaims(from reader: ConfigReader) throws(ConfigurationError) -> (issuer: String, audience: String) {
        let configuration = try ConfigurationDraft(reading: reader, settings(named: ["TOKEN_ISSUER", "TOKEN_AUDIENCE"])).configuration
        return (configuration.tokenIssuer, configuration.tokenAudience)
    }

    /// The entries of ``settings`` for `variables`.
    private static func settings(named variables: Set<String>) -> [ConfigurationSetting] {
        settings.filter { variables.contains($0.variable) }
    }
}
