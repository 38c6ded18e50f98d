import Foundation
import NIOSSL
import Testing

/// A throwaway certificate authority made with the `openssl` command at test time, in a
/// temporary directory of its own, and the server certificates it issues for 127.0.0.1.
struct TestCertificateAuthority {
    /// A server certificate and its key, as PEM files.
    struct Issued {
        let certificateFile: URL
        let keyFile: URL

        /// The leaf certificate (the file's first), as a TLS client sees it.
        func certificate() throws -> NIOSSLCertificate {
            try #require(try NIOSSLCertificate.fromPEMFile(certificateFile.path).first)
        }
    }

    let directory: URL
    /// The CA's own certificate (PEM): the trust root of a client that trusts it.
    let certificateFile: URL
    private let keyFile: URL

    /// A new CA named `name` (its subject CN), with a fresh P-256 key.
    static func make(_ name: String) async throws -> TestCertificateAuthority {
        let directory = try CommandLineTool.temporaryDirectory()
        let authority = TestCertificateAuthority(
            directory: directory, certificateFile: directory.appendingPathComponent("ca.pem"),
            keyFile: directory.appendingPathComponent("ca.key"))
        try await openssl(
            ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
             "-subj", "/CN=\(name)", "-keyout", authority.keyFile.path, "-out", authority.certificateFile.path],
            in: directory)
        return authority
    }

    /// A certificate for `IP:127.0.0.1` and `DNS:localhost` with serial `serial`, signed by this CA.
    func issueServerCertificate(serial: Int) async throws -> Issued {
        let base = directory.appendingPathComponent("server-\(serial)")
        let issued = Issued(certificateFile: base.appendingPathExtension("pem"), keyFile: base.appendingPathExtension("key"))
        let request = base.appendingPathExtension("csr")
        let extensions = base.appendingPathExtension("ext")
        try Data(
            """
            subjectAltName=IP:127.0.0.1,DNS:localhost
            basicConstraints=critical,CA:FALSE
            keyUsage=critical,digitalSignature
            extendedKeyUsage=serverAuth

            """.utf8
        ).write(to: extensions)
        try await Self.openssl(
            ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=127.0.0.1",
             "-keyout", issued.keyFile.path, "-out", request.path],
            in: directory)
        try await Self.openssl(
            ["x509", "-req", "-in", request.path, "-CA", certificateFile.path, "-CAkey", keyFile.path, "-set_serial", "\(serial)",
             "-days", "2", "-extfile", extensions.path, "-out", issued.certificateFile.path],
            in: directory)
        return issued
    }

    /// A TLS client context that trusts this CA alone and checks the server's name (its IP).
    func clientContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .file(certificateFile.path)
        configuration.certificateVerification = .fullVerification
        return try NIOSSLContext(configuration: configuration)
    }

    /// Runs `openssl` with `arguments`; fails with its standard error when it exits non-zero.
    private static func openssl(_ arguments: [String], in directory: URL) async throws {
        let run = try await CommandLineTool.run(arguments, executable: opensslPath, in: directory)
        guard run.status == 0 else { throw Failure(message: "openssl \(arguments[0]) exited \(run.status): \(run.stderr)") }
    }

    /// The `openssl` command on PATH (scripts/test installs it).
    private static var opensslPath: String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/openssl" }.first { FileManager.default.isExecutableFile(atPath: $0) }
            ?? "/usr/bin/openssl"
    }

    struct Failure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
