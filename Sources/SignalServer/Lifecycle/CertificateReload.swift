public import Logging
public import ServiceLifecycle
import UnixSignals

/// Reloads the TLS certificate on SIGHUP, as a service in the server's `ServiceGroup`, so a
/// renewed certificate (Let's Encrypt, every 60–90 days) takes effect without a restart: new
/// connections get it, live sockets keep theirs.
///
/// A reload that fails (a missing, unreadable or half-written file, a key that does not match)
/// is logged as an error and the previous certificate stays in use.
public struct CertificateReload: Service, CustomStringConvertible {
    private let tls: ReloadableTLSContext
    private let logger: Logger

    /// Reloads `tls` on every SIGHUP, logging to `logger`.
    public init(tls: ReloadableTLSContext, logger: Logger) {
        self.tls = tls
        self.logger = logger
    }

    /// `CertificateReload`, as the service group's log lines name it.
    public var description: String { "CertificateReload" }

    /// Waits for SIGHUP until graceful shutdown begins.
    public func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        for await _ in hangups.cancelOnGracefulShutdown() {
            Self.reload(tls, logger: logger)
        }
    }

    /// One reload, as on SIGHUP: logs the new certificate, or the failure and that the previous
    /// one stays.
    public static func reload(_ tls: ReloadableTLSContext, logger: Logger) {
        do {
            try tls.reload()
            logger.notice("reloaded the TLS certificate: new connections get it", metadata: ["certificate": "\(tls.summary)"])
        } catch {
            logger.error(
                "TLS certificate reload failed; new connections keep the previous certificate",
                metadata: ["error": "\(error)", "certificate": "\(tls.summary)"])
        }
    }
}
