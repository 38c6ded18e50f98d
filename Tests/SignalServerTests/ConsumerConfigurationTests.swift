import Foundation
import SignalServer
import Signaling
import Testing

/// `CONSUMER_PUBLIC_KEY_JWK`, `CONSUMER_ISSUER`, `CONSUMER_AUDIENCE`, `CONSUMER_ALGORITHMS`
/// (SPEC § Configuration): read, refused at start when bad, and warned about when loose.
@Suite struct ConsumerConfigurationTests {
    let provider = IdentityProvider()

    @Test func unsetMeansConsumersAreRefused() throws {
        let configuration = try ConfigurationTests.load(ConfigurationTests.authEnvironment())
        #expect(configuration.consumerKeys == nil)
        #expect(configuration.consumerAuthentication.check(token: "any") == .failure(.notConfigured))
        #expect(configuration.consumerAlgorithms == [.es256, .rs256])
        #expect(configuration.consumerWarnings.isEmpty)
    }

    @Test func readsEveryConsumerVariable() throws {
        var environment = ConfigurationTests.authEnvironment()
        environment["CONSUMER_PUBLIC_KEY_JWK"] = provider.configurationValue
        environment["CONSUMER_ISSUER"] = IdentityProvider.issuer
        environment["CONSUMER_AUDIENCE"] = IdentityProvider.audience
        environment["CONSUMER_ALGORITHMS"] = "PS256, ES256"
        let configuration = try ConfigurationTests.load(environment)
        #expect(configuration.consumerKeys?.keys.map(\.keyID) == [provider.keyID])
        #expect(configuration.consumerIssuer == IdentityProvider.issuer)
        #expect(configuration.consumerAudience == IdentityProvider.audience)
        #expect(configuration.consumerAlgorithms == [.ps256, .es256])
        #expect(configuration.consumerWarnings.isEmpty)
        let authentication = configuration.consumerAuthentication
        #expect(authentication.check(token: provider.token(subject: "agent")).map { $0 != nil } == .success(true))
        #expect(authentication.check(token: provider.token(audience: "other")) == .failure(.invalidToken(reason: "\(TokenError.wrongAudience)")))
    }

    @Test func rawJSONIsAcceptedToo() throws {
        var environment = ConfigurationTests.authEnvironment()
        environment["CONSUMER_PUBLIC_KEY_JWK"] = provider.jwks
        #expect(try ConfigurationTests.load(environment).consumerKeys?.keys.count == 1)
    }

    @Test(arguments: [
        ("not base64 at all!", "is neither base64"),
        (#"{"kty":"oct","k":"c2VjcmV0"}"#, "kty \"oct\" is not supported"),
        (#"{"keys":[]}"#, "holds no keys"),
        (#"[{"kty":"EC","crv":"P-384","x":"AA","y":"AA"}]"#, "key 0: crv \"P-384\""),
    ])
    func aBadKeyStopsTheServerNamingTheVariable(_ value: String, _ problem: String) throws {
        var environment = ConfigurationTests.authEnvironment()
        environment["CONSUMER_PUBLIC_KEY_JWK"] = value
        let error = try #require(ConfigurationTests.refusal(environment))
        #expect(error.variable == "CONSUMER_PUBLIC_KEY_JWK")
        #expect(error.description.hasPrefix("CONSUMER_PUBLIC_KEY_JWK: "))
        #expect(error.problem.contains(problem), "\(error)")
        #expect(!error.description.contains(value), "the value is never echoed")
    }

    @Test(arguments: ["none", "ES256,HS256", "hs512", "ES384", "", " , "])
    func aBadAlgorithmListStopsTheServer(_ list: String) throws {
        var environment = ConfigurationTests.authEnvironment()
        environment["CONSUMER_ALGORITHMS"] = list
        let error = try #require(ConfigurationTests.refusal(environment))
        #expect(error.variable == "CONSUMER_ALGORITHMS")
    }

    @Test func emptyIssuerOrAudienceIsRefused() throws {
        for variable in ["CONSUMER_ISSUER", "CONSUMER_AUDIENCE"] {
            var environment = ConfigurationTests.authEnvironment()
            environment[variable] = ""
            #expect(ConfigurationTests.refusal(environment)?.variable == variable)
        }
    }

    @Test func uncheckedIssuerAndAudienceAreWarnedAbout() throws {
        var environment = ConfigurationTests.authEnvironment()
        environment["CONSUMER_PUBLIC_KEY_JWK"] = provider.configurationValue
        let loose = try ConfigurationTests.load(environment)
        #expect(loose.consumerWarnings.count == 2)
        #expect(loose.consumerWarnings.contains { $0.hasPrefix("CONSUMER_ISSUER is not set") })
        #expect(loose.consumerWarnings.contains { $0.hasPrefix("CONSUMER_AUDIENCE is not set") })
        // Unchecked means any iss and aud pass.
        #expect(loose.consumerAuthentication.check(token: provider.token(issuer: "anyone", audience: "anything")).map { $0 != nil } == .success(true))

        environment["CONSUMER_ISSUER"] = IdentityProvider.issuer
        #expect(try ConfigurationTests.load(environment).consumerWarnings.count == 1)
    }

    @Test func keysWithAuthDisabledAreWarnedAbout() throws {
        let configuration = try ConfigurationTests.load([
            "AUTH_DISABLED": "true", "CONSUMER_PUBLIC_KEY_JWK": provider.configurationValue,
        ])
        // Auth off: consumers register without a token, whatever keys are set.
        #expect(configuration.consumerAuthentication.check(token: nil) == .success(nil))
        #expect(configuration.consumerWarnings.count == 1)
        #expect(configuration.consumerWarnings.first?.contains("auth is disabled") == true)
    }

    @Test func serveWarnsAtStartAndRefusesABadKeyInOneLine() async throws {
        let directory = try CommandLineTool.temporaryDirectory()
        let refused = try await CommandLineTool.run(
            ["serve"], in: directory,
            environment: ["AUTH_DISABLED": "true", "CONSUMER_PUBLIC_KEY_JWK": #"{"kty":"RSA","n":"AQAB","e":"AQAB"}"#])
        #expect(refused.status != 0)
        #expect(refused.stderr.split(separator: "\n") == [
            "error: CONSUMER_PUBLIC_KEY_JWK: n and e are not an RSA public key of at least 2048 bits",
        ])

        #expect(try await CommandLineTool.run(["keygen", "--env-file", ".env"], in: directory).status == 0)
        let server = RunningProcess(
            ["serve", "--host", "127.0.0.1", "--port", "0", "--consumer-public-key-jwk", provider.configurationValue],
            in: directory, environment: CommandLineTool.environment())
        try server.start()
        // The warnings come before the server listens.
        _ = try await server.awaitOutput(matching: #"listening on http://127\.0\.0\.1:(\d+)"#)
        #expect(server.output.contains("CONSUMER_ISSUER is not set"))
        #expect(server.output.contains("CONSUMER_AUDIENCE is not set"))
        server.signal(SIGTERM)
        #expect(try await server.exitStatus(within: 10) == 0)
    }
}
