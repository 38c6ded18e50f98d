import Foundation
public import NIOSSL
import NIOConcurrencyHelpers

/// The server's TLS certificate chain and private key (`TLS_CERT_FILE`, `TLS_KEY_FILE`, both
/// PEM), read once at start and again on every ``reload()``.
///
/// Each accepted connection takes ``context`` when its pipeline is set up, so a reload changes
/// the certificate of new connections only: live sockets keep the session they negotiated.
/// A reload that fails leaves the previous certificate in place.
public final class ReloadableTLSContext: Sendable {
    /// The PEM file of the certificate chain, leaf first.
    public let certificateFile: String
    /// The PEM file of the leaf certificate's private key.
    public let keyFile: String
    private let current: NIOLockedValueBox<Loaded>

    /// What one read of the files produced.
    private struct Loaded: Sendable {
        let context: NIOSSLContext
        let leaf: NIOSSLCertificate
    }

    /// Reads both files; fails with an error naming the variable whose file cannot be read, holds
    /// no usable PEM, or (the key) does not match the certificate.
    public init(certificateFile: String, keyFile: String) throws(ConfigurationError) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.current = NIOLockedValueBox(try Self.load(certificateFile: certificateFile, keyFile: keyFile))
    }

    /// The context for a connection accepted now.
    var context: NIOSSLContext { current.withLockedValue { $0.context } }

    /// The leaf certificate new connections are shown.
    public var certificate: NIOSSLCertificate { current.withLockedValue { $0.leaf } }

    /// Reads the files again: connections accepted from now on get the new certificate. On
    /// failure nothing changes and the error says which file is at fault.
    public func reload() throws(ConfigurationError) {
        let loaded = try Self.load(certificateFile: certificateFile, keyFile: keyFile)
        current.withLockedValue { $0 = loaded }
    }

    /// A one-line summary of the certificate new connections are shown, for log lines: its
    /// serial number and when it expires.
    public var summary: String {
        let leaf = certificate
        let serial = leaf.serialNumber.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
        let expiry = Date(timeIntervalSince1970: TimeInterval(leaf.notValidAfter))
        return "serial \(serial), expires \(expiry.formatted(.iso8601))"
    }

    private static func load(certificateFile: String, keyFile: String) throws(ConfigurationError) -> Loaded {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(readFile(certificateFile, variable: "TLS_CERT_FILE"))
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError(variable: "TLS_CERT_FILE", problem: "\(certificateFile) is not a PEM certificate chain (\(error))")
        }
        guard let leaf = chain.first else {
            throw ConfigurationError(variable: "TLS_CERT_FILE", problem: "\(certificateFile) holds no PEM certificate")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(bytes: readFile(keyFile, variable: "TLS_KEY_FILE"), format: .pem)
        } catch let error as ConfigurationError {
            throw error
        } catch {
            // The error names neither the key nor its bytes: only that it does not parse.
            throw ConfigurationError(variable: "TLS_KEY_FILE", problem: "\(keyFile) is not a PEM private key")
        }
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        do {
            return Loaded(context: try NIOSSLContext(configuration: configuration), leaf: leaf)
        } catch {
            throw ConfigurationError(
                variable: "TLS_KEY_FILE", problem: "\(keyFile) is not the private key of the certificate in \(certificateFile)")
        }
    }

    private static func readFile(_ path: String, variable: String) throws(ConfigurationError) -> [UInt8] {
        do {
            return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            // Foundation wraps the errno of the failed open or read; its text is the useful part.
            let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? any Error
            let reason = underlying.map { String(cString: strerror(Int32(($0 as NSError).code))) } ?? error.localizedDescription
            throw ConfigurationError(variable: variable, problem: "cannot read \(path): \(reason)")
        }
    }
}

extension String {
    /// The string with zeros in front up to `width` characters.
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
