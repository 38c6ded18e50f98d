import Configuration
import Signaling

/// What the settings table writes into while a configuration is read: the configuration itself,
/// and the authentication inputs, which mean something only together (checked in
/// ``authentication()`` once every variable is read).
struct ConfigurationDraft {
    /// Every setting but authentication, with its defaults until a variable replaces them.
    var configuration = SignalConfiguration(authentication: .disabled)
    /// `AUTH_DISABLED`.
    var authDisabled = false
    /// `PRIVATE_KEY_JWK`, not parsed yet.
    var privateKeyJWK: String?
    /// `PUBLIC_KEY_JWK`, not parsed yet.
    var publicKeyJWK: String?
    /// `ADMIN_SECRET`, not checked yet.
    var adminSecret: String?
    /// `TLS_CERT_FILE`, not read yet.
    var tlsCertificateFile: String?
    /// `TLS_KEY_FILE`, not read yet.
    var tlsKeyFile: String?

    /// A draft with every default.
    init() {}

    /// Reads `settings` from `reader`, in order, stopping at the first invalid value.
    init(reading reader: ConfigReader, _ settings: [ConfigurationSetting] = SignalConfiguration.settings) throws(ConfigurationError) {
        for setting in settings {
            try setting.read(from: reader, into: &self)
        }
    }

    /// Disabled, or enabled with a matching key pair and a long enough admin secret; the keys
    /// and the secret are checked only when auth is on.
    func authentication() throws(ConfigurationError) -> SignalConfiguration.Authentication {
        if authDisabled { return .disabled }
        let keys = try signingKeys()
        guard let adminSecret else {
            throw ConfigurationError(variable: "ADMIN_SECRET", problem: "is required when auth is on")
        }
        guard adminSecret.count >= AdminSecret.minimumLength else {
            throw ConfigurationError(variable: "ADMIN_SECRET", problem: "must be at least \(AdminSecret.minimumLength) characters")
        }
        return .enabled(keys: keys, adminSecret: AdminSecret(adminSecret))
    }

    /// The room-token key pair, cross-checked.
    func signingKeys() throws(ConfigurationError) -> SigningKeyPair {
        if privateKeyJWK == nil && publicKeyJWK == nil {
            throw ConfigurationError(
                variable: "PRIVATE_KEY_JWK",
                problem: "auth is on but no keys are configured; run `scripts/keygen` (or `signal-server keygen --env-file .env`), "
                    + "or set AUTH_DISABLED=true for local development")
        }
        guard let privateKeyJWK else { throw ConfigurationError(variable: "PRIVATE_KEY_JWK", problem: "is required when auth is on") }
        guard let publicKeyJWK else { throw ConfigurationError(variable: "PUBLIC_KEY_JWK", problem: "is required when auth is on") }
        do {
            return try SigningKeyPair(privateJWK: privateKeyJWK, publicJWK: publicKeyJWK)
        } catch {
            throw ConfigurationError(variable: error.variable, problem: error.problem)
        }
    }

    /// The certificate and key, read, when both files are named; neither: `nil` (plain HTTP).
    func tls() throws(ConfigurationError) -> ReloadableTLSContext? {
        switch (tlsCertificateFile, tlsKeyFile) {
        case (nil, nil):
            return nil
        case (.some, nil):
            throw ConfigurationError(variable: "TLS_KEY_FILE", problem: "is required when TLS_CERT_FILE is set (the certificate's private key, PEM)")
        case (nil, .some):
            throw ConfigurationError(variable: "TLS_CERT_FILE", problem: "is required when TLS_KEY_FILE is set (the certificate chain, PEM)")
        case (let certificateFile?, let keyFile?):
            return try ReloadableTLSContext(certificateFile: certificateFile, keyFile: keyFile)
        }
    }
}
