public import Configuration
import Logging
public import Signaling

extension SignalConfiguration {
    /// Reads and validates every variable from `reader` (the environment, then `.env`).
    ///
    /// Fails on the first invalid value with a ``ConfigurationError`` naming it, so nothing
    /// starts half-configured.
    public init(reader: ConfigReader) throws(ConfigurationError) {
        let values = ConfigurationValues(reader: reader)
        if try values.bool("AUTH_DISABLED") ?? false {
            self.init(authentication: .disabled)
        } else {
            let keys = try Self.signingKeys(from: reader)
            guard let adminSecret = values.secret("ADMIN_SECRET") else {
                throw ConfigurationError(variable: "ADMIN_SECRET", problem: "is required when auth is on")
            }
            guard adminSecret.count >= AdminSecret.minimumLength else {
                throw ConfigurationError(variable: "ADMIN_SECRET", problem: "must be at least \(AdminSecret.minimumLength) characters")
            }
            self.init(authentication: .enabled(keys: keys, adminSecret: AdminSecret(adminSecret)))
        }
        (tokenIssuer, tokenAudience) = try Self.tokenClaims(from: reader)
        try readConsumerAuthentication(values)
        host = try values.nonEmpty("HOST") ?? host
        port = try values.integer("PORT", in: 0...65_535) ?? port
        maxTokenTTL = try values.timeToLive("MAX_TOKEN_TTL") ?? maxTokenTTL
        maxMessageBytes = try values.integer("MAX_MESSAGE_BYTES", in: 128...(64 << 20)) ?? maxMessageBytes
        maxOutboundBytes = try values.integer("MAX_OUTBOUND_BYTES", in: 1024...(1 << 30)) ?? maxOutboundBytes
        registerTimeout = try values.timeToLive("REGISTER_TIMEOUT") ?? registerTimeout
        pingInterval = try values.timeToLive("PING_INTERVAL") ?? pingInterval
        eventLoopCount = try values.integer("EVENT_LOOPS", in: 1...1024) ?? eventLoopCount
        demoPage = try values.bool("DEMO_PAGE") ?? demoPage
        if let level = values.string("LOG_LEVEL") {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                throw ConfigurationError(
                    variable: "LOG_LEVEL", problem: "must be one of trace, debug, info, notice, warning, error, critical")
            }
            logLevel = parsed
        }
    }
}

extension SignalConfiguration {
    /// Loads and cross-checks `PRIVATE_KEY_JWK` and `PUBLIC_KEY_JWK` (also used by the CLI's
    /// offline `token` and `verify` commands).
    public static func signingKeys(from reader: ConfigReader) throws(ConfigurationError) -> SigningKeyPair {
        let values = ConfigurationValues(reader: reader)
        let privateJWK = values.secret("PRIVATE_KEY_JWK")
        let publicJWK = values.secret("PUBLIC_KEY_JWK")
        if privateJWK == nil && publicJWK == nil {
            throw ConfigurationError(
                variable: "PRIVATE_KEY_JWK",
                problem: "auth is on but no keys are configured; run `scripts/keygen` (or `signal-server keygen --env-file .env`), "
                    + "or set AUTH_DISABLED=true for local development")
        }
        guard let privateJWK else { throw ConfigurationError(variable: "PRIVATE_KEY_JWK", problem: "is required when auth is on") }
        guard let publicJWK else { throw ConfigurationError(variable: "PUBLIC_KEY_JWK", problem: "is required when auth is on") }
        do {
            return try SigningKeyPair(privateJWK: privateJWK, publicJWK: publicJWK)
        } catch {
            throw ConfigurationError(variable: error.variable, problem: error.problem)
        }
    }

    /// `CONSUMER_PUBLIC_KEY_JWK`, `CONSUMER_ISSUER`, `CONSUMER_AUDIENCE` and
    /// `CONSUMER_ALGORITHMS`, each checked even while auth is off.
    private mutating func readConsumerAuthentication(_ values: ConfigurationValues) throws(ConfigurationError) {
        if let value = values.secret("CONSUMER_PUBLIC_KEY_JWK") {
            do {
                consumerKeys = try ConsumerKeySet(configurationValue: value)
            } catch {
                throw ConfigurationError(variable: "CONSUMER_PUBLIC_KEY_JWK", problem: error.description)
            }
        }
        consumerIssuer = try values.nonEmpty("CONSUMER_ISSUER")
        consumerAudience = try values.nonEmpty("CONSUMER_AUDIENCE")
        if let list = values.string("CONSUMER_ALGORITHMS") {
            do {
                consumerAlgorithms = try ConsumerAlgorithm.list(parsing: list)
            } catch {
                throw ConfigurationError(variable: "CONSUMER_ALGORITHMS", problem: error.description)
            }
        }
    }

    /// `TOKEN_ISSUER` and `TOKEN_AUDIENCE`, or their defaults.
    public static func tokenClaims(from reader: ConfigReader) throws(ConfigurationError) -> (issuer: String, audience: String) {
        let values = ConfigurationValues(reader: reader)
        let defaults = SignalConfiguration(authentication: .disabled)
        return (
            try values.nonEmpty("TOKEN_ISSUER") ?? defaults.tokenIssuer,
            try values.nonEmpty("TOKEN_AUDIENCE") ?? defaults.tokenAudience
        )
    }
}

/// Typed reads of raw configuration strings, each failing with the variable's name.
private struct ConfigurationValues {
    let reader: ConfigReader

    func string(_ variable: String) -> String? {
        reader.string(forKey: ConfigKey(variable))
    }

    func secret(_ variable: String) -> String? {
        reader.string(forKey: ConfigKey(variable), isSecret: true).flatMap { $0.isEmpty ? nil : $0 }
    }

    func nonEmpty(_ variable: String) throws(ConfigurationError) -> String? {
        guard let value = string(variable) else { return nil }
        guard !value.isEmpty else { throw ConfigurationError(variable: variable, problem: "must not be empty") }
        return value
    }

    func bool(_ variable: String) throws(ConfigurationError) -> Bool? {
        guard let value = string(variable) else { return nil }
        switch value.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off", "": return false
        default: throw ConfigurationError(variable: variable, problem: "must be true or false")
        }
    }

    func integer(_ variable: String, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
        guard let value = string(variable) else { return nil }
        guard let number = Int(value), range.contains(number) else {
            throw ConfigurationError(variable: variable, problem: "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    func timeToLive(_ variable: String) throws(ConfigurationError) -> TimeToLive? {
        guard let value = string(variable) else { return nil }
        do {
            return try TimeToLive(parsing: value)
        } catch {
            throw ConfigurationError(variable: variable, problem: error.description)
        }
    }
}
