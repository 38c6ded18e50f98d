import Foundation
import SignalServer
import Testing

/// `TLS_CERT_FILE` and `TLS_KEY_FILE` at start: both or neither, and files that hold a
/// certificate chain and its own key, or a start-up error naming the variable at fault.
@Suite struct TLSConfigurationTests {
    static func refusal(_ environment: [String: String], sourceLocation: SourceLocation = #_sourceLocation) -> ConfigurationError? {
        ConfigurationTests.refusal(environment.merging(["AUTH_DISABLED": "true"]) { $1 }, sourceLocation: sourceLocation)
    }

    @Test func bothFilesOrNeither() async throws {
        let issued = try await TestCertificateAuthority.make("CA").issueServerCertificate(serial: 1)
        #expect(Self.refusal(["TLS_CERT_FILE": issued.certificateFile.path])?.variable == "TLS_KEY_FILE")
        #expect(Self.refusal(["TLS_KEY_FILE": issued.keyFile.path])?.variable == "TLS_CERT_FILE")
        #expect(try ConfigurationTests.load(["AUTH_DISABLED": "true"]).tls == nil)
        let configuration = try ConfigurationTests.load([
            "AUTH_DISABLED": "true", "TLS_CERT_FILE": issued.certificateFile.path, "TLS_KEY_FILE": issued.keyFile.path,
        ])
        #expect(try configuration.tls?.certificate == issued.certificate())
    }

    @Test func unreadableOrInvalidFilesAreRefusedNamingTheVariable() async throws {
        let authority = try await TestCertificateAuthority.make("CA")
        let issued = try await authority.issueServerCertificate(serial: 1)
        let other = try await authority.issueServerCertificate(serial: 2)
        let missing = issued.certificateFile.deletingLastPathComponent().appendingPathComponent("missing.pem").path
        let notPEM = issued.certificateFile.deletingLastPathComponent().appendingPathComponent("not.pem")
        try Data("hello".utf8).write(to: notPEM)

        let missingCertificate = Self.refusal(["TLS_CERT_FILE": missing, "TLS_KEY_FILE": issued.keyFile.path])
        #expect(missingCertificate?.variable == "TLS_CERT_FILE")
        #expect(missingCertificate?.problem == "cannot read \(missing): No such file or directory", "\(String(describing: missingCertificate))")
        #expect(Self.refusal(["TLS_CERT_FILE": issued.certificateFile.path, "TLS_KEY_FILE": missing])?.variable == "TLS_KEY_FILE")
        #expect(Self.refusal(["TLS_CERT_FILE": notPEM.path, "TLS_KEY_FILE": issued.keyFile.path])?.variable == "TLS_CERT_FILE")
        let keyNotPEM = Self.refusal(["TLS_CERT_FILE": issued.certificateFile.path, "TLS_KEY_FILE": notPEM.path])
        #expect(keyNotPEM?.variable == "TLS_KEY_FILE" && keyNotPEM?.problem.contains("not a PEM private key") == true)
        // The certificate given as the key, and another certificate's key.
        #expect(Self.refusal(["TLS_CERT_FILE": issued.certificateFile.path, "TLS_KEY_FILE": issued.certificateFile.path])?.variable == "TLS_KEY_FILE")
        let mismatch = Self.refusal(["TLS_CERT_FILE": issued.certificateFile.path, "TLS_KEY_FILE": other.keyFile.path])
        #expect(mismatch?.variable == "TLS_KEY_FILE" && mismatch?.problem.contains("not the private key") == true, "\(String(describing: mismatch))")
    }

    @Test func theServerDoesNotStartWithHalfATLSConfiguration() async throws {
        let issued = try await TestCertificateAuthority.make("CA").issueServerCertificate(serial: 1)
        let run = try await CommandLineTool.run(
            ["serve", "--port", "0"], in: try CommandLineTool.temporaryDirectory(),
            environment: ["AUTH_DISABLED": "true", "TLS_CERT_FILE": issued.certificateFile.path])
        #expect(run.status != 0)
        #expect(run.stderr.contains("error: TLS_KEY_FILE: is required when TLS_CERT_FILE is set"), "\(run.stderr)")
    }
}
