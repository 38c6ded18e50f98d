import Configuration
import Foundation
import Logging
import SignalServer
import Signaling
import Testing

/// `SignalConfiguration(reader:)`: defaults, parsing, and the refusals of SPEC § Configuration.
@Suite struct ConfigurationTests {
    static let adminSecret = "config-admin-secret-0123456789"

    /// A complete environment for auth on, with a fresh key pair (base64, as `keygen` prints it).
    static func authEnvironment(_ keys: SigningKeyPair = .generate()) -> [String: String] {
        var environment = ["ADMIN_SECRET": adminSecret]
        for line in keys.environmentLines {
            let parts = line.split(separator: "=", maxSplits: 1)
            environment[String(parts[0])] = String(parts[1])
        }
        return environment
    }

    static func load(_ environment: [String: String]) throws(ConfigurationError) -> SignalConfiguration {
        try SignalConfiguration(
            reader: ConfigReader(providers: [EnvironmentVariablesProvider(environmentVariables: environment)]))
    }

    /// The error `environment` is refused with; fails the test when it is accepted.
    static func refusal(
        _ environment: [String: String], sourceLocation: SourceLocation = #_sourceLocation
    ) -> ConfigurationError? {
        do {
            _ = try load(environment)
            Issue.record("accepted \(environment.keys.sorted())", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    // MARK: Defaults and values

    @Test func defaults() throws {
        let keys = SigningKeyPair.generate()
        let configuration = try Self.load(Self.authEnvironment(keys))
        #expect(configuration.port == 8080)
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.maxMessageBytes == 65_536)
        #expect(configuration.maxOutboundBytes == 1_048_576)
        #expect(configuration.registerTimeout.seconds == 10)
        #expect(configuration.pingInterval.seconds == 30)
        #expect(configuration.tokenIssuer == "aikofy:client-db-sync")
        #expect(configuration.tokenAudience == "aikofy:client-db")
        #expect(configuration.maxTokenTTL.seconds == 31_557_600)
        #expect(configuration.logLevel == .info)
        #expect(configuration.eventLoopCount == nil)
        guard case .enabled(let loaded, let secret) = configuration.authentication else {
            Issue.record("auth is not enabled")
            return
        }
        #expect(loaded.publicKey == keys.publicKey)
        #expect(loaded.privateKey.seed == keys.privateKey.seed)
        #expect(secret.matches(Self.adminSecret))
        #expect(!secret.matches(Self.adminSecret + "x"))
    }

    @Test func readsEveryVariable() throws {
        var environment = Self.authEnvironment()
        environment.merge([
            "PORT": "9001", "HOST": "127.0.0.1", "TOKEN_ISSUER": "me", "TOKEN_AUDIENCE": "you",
            "MAX_TOKEN_TTL": "2h", "MAX_MESSAGE_BYTES": "1024", "MAX_OUTBOUND_BYTES": "4096",
            "REGISTER_TIMEOUT": "5s", "PING_INTERVAL": "1m", "LOG_LEVEL": "DEBUG", "AUTH_DISABLED": "false",
        ]) { $1 }
        let configuration = try Self.load(environment)
        #expect(configuration.port == 9001)
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.tokenIssuer == "me")
        #expect(configuration.tokenAudience == "you")
        #expect(configuration.maxTokenTTL.seconds == 7_200)
        #expect(configuration.maxMessageBytes == 1024)
        #expect(configuration.maxOutboundBytes == 4096)
        #expect(configuration.registerTimeout.seconds == 5)
        #expect(configuration.pingInterval.seconds == 60)
        #expect(configuration.logLevel == .debug)
        #expect(configuration.tokenVerifier != nil)
    }

    @Test func authDisabledNeedsNoKeys() throws {
        let configuration = try Self.load(["AUTH_DISABLED": "true"])
        guard case .disabled = configuration.authentication else {
            Issue.record("auth is not disabled")
            return
        }
        #expect(configuration.tokenVerifier == nil)
        #expect(configuration.tokenIssuerService == nil)
        #expect(configuration.port == 8080)
    }

    @Test func acceptsRawJSONKeys() throws {
        let keys = SigningKeyPair.generate()
        let privateJSON = try #require(keys.jwk.privateJSON)
        // Extra members in the public JWK (as /public-key publishes it) are allowed.
        let configuration = try Self.load([
            "PRIVATE_KEY_JWK": privateJSON, "PUBLIC_KEY_JWK": keys.jwk.publicJSON, "ADMIN_SECRET": Self.adminSecret,
        ])
        guard case .enabled(let loaded, _) = configuration.authentication else {
            Issue.record("auth is not enabled")
            return
        }
        #expect(loaded.publicKey == keys.publicKey)
        #expect(loaded.keyID == keys.keyID)
    }

    // MARK: Refusals

    @Test(arguments: [[:], ["AUTH_DISABLED": "false"], ["PRIVATE_KEY_JWK": "", "PUBLIC_KEY_JWK": "", "ADMIN_SECRET": ""]])
    func noKeysWithoutAuthDisabledIsRefused(environment: [String: String]) throws {
        let error = try #require(Self.refusal(environment))
        #expect(error.variable == "PRIVATE_KEY_JWK")
        #expect(error.description.hasPrefix("PRIVATE_KEY_JWK"))
        #expect(error.description.contains("AUTH_DISABLED"))
    }

    @Test(arguments: ["PRIVATE_KEY_JWK", "PUBLIC_KEY_JWK", "ADMIN_SECRET"])
    func eachAuthVariableIsRequired(variable: String) throws {
        var environment = Self.authEnvironment()
        environment[variable] = nil
        let error = try #require(Self.refusal(environment))
        #expect(error.variable == variable)
        for value in environment.values {
            #expect(!error.description.contains(value))
        }
    }

    /// One invalid variable in an otherwise valid environment.
    static let invalidValues: [(variable: String, value: String)] = [
        ("PORT", "abc"),
        ("PORT", "70000"),
        ("PORT", "-1"),
        ("AUTH_DISABLED", "maybe"),
        ("PRIVATE_KEY_JWK", "garbage-not-a-key-SECRETVALUE"),
        ("PRIVATE_KEY_JWK", "eyJrdHkiOiJPS1AifQ=="),  // base64 of {"kty":"OKP"}
        ("PUBLIC_KEY_JWK", "garbage-not-a-key-SECRETVALUE"),
        ("ADMIN_SECRET", "short-SECRET"),
        ("MAX_TOKEN_TTL", "forever"),
        ("MAX_TOKEN_TTL", "-1h"),
        ("MAX_MESSAGE_BYTES", "0"),
        ("MAX_MESSAGE_BYTES", "lots"),
        ("MAX_OUTBOUND_BYTES", "-1"),
        ("REGISTER_TIMEOUT", "-5s"),
        ("REGISTER_TIMEOUT", "10"),
        ("PING_INTERVAL", "0s"),
        ("LOG_LEVEL", "loud"),
        ("TOKEN_ISSUER", ""),
        ("TOKEN_AUDIENCE", ""),
        ("HOST", ""),
        ("EVENT_LOOPS", "zero"),
    ]

    @Test(arguments: invalidValues)
    func invalidValueIsRefusedNamingTheVariable(variable: String, value: String) throws {
        var environment = Self.authEnvironment()
        environment[variable] = value
        let error = try #require(Self.refusal(environment))
        #expect(error.variable == variable)
        #expect(error.description.hasPrefix(variable))
        #expect(!error.problem.isEmpty)
        // Never the value (short numbers such as "0" can occur in the allowed range, so skip those).
        if value.count >= 3 {
            #expect(!error.description.contains(value), "\(error.description)")
        }
        // Nor any other secret.
        #expect(!error.description.contains(Self.adminSecret))
        let privateJWK = try #require(environment["PRIVATE_KEY_JWK"])
        #expect(!error.description.contains(privateJWK))
    }

    @Test func publicKeyOfAnotherPairIsRefused() throws {
        var environment = Self.authEnvironment()
        let other = Self.authEnvironment()
        environment["PUBLIC_KEY_JWK"] = other["PUBLIC_KEY_JWK"]
        let error = try #require(Self.refusal(environment))
        #expect(error.variable == "PUBLIC_KEY_JWK")
        #expect(error.description.contains("PRIVATE_KEY_JWK"))
        for value in environment.values {
            #expect(!error.description.contains(value))
        }
    }

    @Test func privateKeyWhoseSeedDoesNotMatchItsXIsRefusedWithoutLeakingIt() throws {
        let keys = SigningKeyPair.generate()
        let other = SigningKeyPair.generate()
        let seed = Base64.encode(keys.privateKey.seed)
        let forged = #"{"kty":"OKP","crv":"Ed25519","x":"\#(Base64.encode(other.publicKey.bytes))","d":"\#(seed)"}"#
        let error = try #require(
            Self.refusal([
                "PRIVATE_KEY_JWK": forged, "PUBLIC_KEY_JWK": other.jwk.publicJSON, "ADMIN_SECRET": Self.adminSecret,
            ]))
        #expect(error.variable == "PRIVATE_KEY_JWK")
        #expect(!error.description.contains(seed))
    }

    @Test func publicKeyInPrivateKeyVariableIsRefused() throws {
        let keys = SigningKeyPair.generate()
        let error = try #require(
            Self.refusal([
                "PRIVATE_KEY_JWK": keys.jwk.publicJSON, "PUBLIC_KEY_JWK": keys.jwk.publicJSON, "ADMIN_SECRET": Self.adminSecret,
            ]))
        #expect(error.variable == "PRIVATE_KEY_JWK")
    }

    @Test func adminSecretOfExactly16CharactersIsAccepted() throws {
        var environment = Self.authEnvironment()
        environment["ADMIN_SECRET"] = "0123456789abcdef"
        let configuration = try Self.load(environment)
        guard case .enabled(_, let secret) = configuration.authentication else {
            Issue.record("auth is not enabled")
            return
        }
        #expect(secret.matches("0123456789abcdef"))
        environment["ADMIN_SECRET"] = "0123456789abcde"
        #expect(Self.refusal(environment)?.variable == "ADMIN_SECRET")
    }

    // MARK: .env

    /// `FilePath` from a runtime string without importing SystemPackage: its
    /// `ExpressibleByStringLiteral` initializer is an ordinary protocol requirement.
    static func filePath<Path: ExpressibleByStringLiteral>(_ path: String) -> Path where Path.StringLiteralType == String {
        Path(stringLiteral: path)
    }

    @Test func environmentWinsOverTheEnvFile() async throws {
        let keys = SigningKeyPair.generate()
        let file = FileManager.default.temporaryDirectory
            .appendingPathComponent("signal-config-\(UUID().uuidString).env")
        let lines = ["# written by ConfigurationTests", "PORT=9100", "HOST=10.1.2.3", "LOG_LEVEL=debug", "ADMIN_SECRET=\(Self.adminSecret)"]
            + keys.environmentLines
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }

        let environment = EnvironmentVariablesProvider(environmentVariables: ["PORT": "9200", "LOG_LEVEL": "error"])
        let dotEnv = try await EnvironmentVariablesProvider(environmentFilePath: Self.filePath(file.path), allowMissing: true)
        let configuration = try SignalConfiguration(reader: ConfigReader(providers: [environment, dotEnv]))
        // The environment wins where both set a variable...
        #expect(configuration.port == 9200)
        #expect(configuration.logLevel == .error)
        // ...and the file fills in the rest.
        #expect(configuration.host == "10.1.2.3")
        guard case .enabled(let loaded, let secret) = configuration.authentication else {
            Issue.record("auth is not enabled from the .env keys")
            return
        }
        #expect(loaded.publicKey == keys.publicKey)
        #expect(secret.matches(Self.adminSecret))
    }

    @Test func missingEnvFileIsAllowed() async throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("absent-\(UUID().uuidString).env")
        let dotEnv = try await EnvironmentVariablesProvider(environmentFilePath: Self.filePath(missing.path), allowMissing: true)
        let environment = EnvironmentVariablesProvider(environmentVariables: ["AUTH_DISABLED": "true", "PORT": "9300"])
        let configuration = try SignalConfiguration(reader: ConfigReader(providers: [environment, dotEnv]))
        #expect(configuration.port == 9300)
        #expect(configuration.tokenVerifier == nil)
    }
}
