import ArgumentParser
import Foundation
import SignalServer
import Signaling

/// `signal-server verify`: checks a room token against the configured key.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a room token; prints its claims, or why it is rejected (exit status 1).")

    @OptionGroup var sources: ConfigurationSources

    @Argument(help: "The token.") var token: String

    func run() async throws {
        let reader = try await sources.reader()
        let keys: SigningKeyPair
        let claims: (issuer: String, audience: String)
        do {
            keys = try SignalConfiguration.signingKeys(from: reader)
            claims = try SignalConfiguration.tokenClaims(from: reader)
        } catch {
            throw ValidationError("\(error)")
        }
        let verifier = TokenVerifier(publicKey: keys.publicKey, issuer: claims.issuer, audience: claims.audience)
        do {
            let verified = try verifier.verify(token)
            print("valid: sub=\(verified.subject) iss=\(verified.issuer) aud=\(verified.audience.joined(separator: ",")) "
                + "exp=\(verified.expiresAt.ISO8601Format())" + (verified.tokenID.map { " jti=\($0)" } ?? ""))
        } catch {
            print("rejected: \(error)")
            throw ExitCode.failure
        }
    }
}
