import ArgumentParser
import Foundation
import SignalServer
import Signaling

/// `signal-server token`: mints a room token offline, with the private key from the
/// environment or `.env`.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Mint a room token offline (for scripts and debugging); prints the token.")

    @OptionGroup var sources: ConfigurationSources

    @Option(help: "The room (the token's sub).") var subject: String
    @Option(help: "Lifetime, such as 30m, 24h or 7d.") var ttl = "1h"

    func run() async throws {
        do {
            let reader = try await sources.reader()
            let keys = try SignalConfiguration.signingKeys(from: reader)
            let claims = try SignalConfiguration.tokenClaims(from: reader)
            let timeToLive = try TimeToLive(parsing: ttl)
            let issuer = TokenIssuer(keys: keys, issuer: claims.issuer, audience: claims.audience)
            print(issuer.issue(subject: subject, timeToLive: timeToLive).token)
        } catch let error as ConfigurationError {
            throw ValidationError("\(error)")
        } catch let error as TimeToLiveError {
            throw ValidationError("--ttl \(error)")
        }
    }
}
