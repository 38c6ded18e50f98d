public import Hummingbird
public import Logging
public import NIOCore
import NIOPosix
import ServiceLifecycle
import UnixSignals

/// The standalone server: a Hummingbird application whose router serves the HTTP routes and
/// whose server, `.signal(service:)` as an embedding app would use it, upgrades `/signal` for
/// a ``SignalService``.
public enum SignalApplication {
    /// Builds the application for `service`, listening where its configuration says.
    ///
    /// `onServerRunning` receives the listening channel (its `localAddress` tells the port
    /// when the configuration asks for port 0).
    public static func make(
        service: SignalService,
        eventLoopGroup: any EventLoopGroup,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router(context: SignalRequestContext.self)
        service.addRoutes(to: router)
        return Application(
            router: router,
            server: .signal(service: service),
            configuration: ApplicationConfiguration(
                address: .hostname(service.configuration.host, port: service.configuration.port),
                serverName: "signal-server"),
            onServerRunning: onServerRunning,
            eventLoopGroupProvider: .shared(eventLoopGroup),
            logger: service.logger)
    }

    /// Graceful shutdown, drain included, must be over within this; the group then cancels
    /// what is left and gives it ``cancellationAllowance``: ten seconds in all, the time a
    /// process manager waits between SIGTERM and SIGKILL.
    public static let gracefulShutdownLimit = Duration.seconds(9)

    /// How long cancelled services get to end once ``gracefulShutdownLimit`` is over.
    public static let cancellationAllowance = Duration.seconds(1)

    /// Runs the server until SIGTERM or SIGINT, then drains for `DRAIN_TIMEOUT` (``ShutdownDrain``),
    /// closes every socket with 1001 and returns within ten seconds of the signal. With TLS
    /// configured, SIGHUP reloads the certificate (``CertificateReload``). `onListening` receives
    /// the bound port once the server accepts.
    public static func run(
        configuration: SignalConfiguration, logger: Logger, onListening: @escaping @Sendable (Int) -> Void = { _ in }
    ) async throws {
        let loops = configuration.eventLoopCount ?? EventLoopCount.forThisProcess()
        let eventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: loops)
        let service = SignalService(configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger)
        // This is the whole process: Hummingbird's MetricsMiddleware records through the
        // process-wide MetricsSystem, so it goes to this service's registry too.
        service.metrics?.bootstrapMetricsSystem()
        let application = make(service: service, eventLoopGroup: eventLoopGroup) { channel in
            onListening(channel.localAddress?.port ?? configuration.port)
        }
        // Shut down in reverse order: the drain first, then the application, then (its sockets
        // gone) the instance leaves the cluster.
        var services: [any Service] = [application, ShutdownDrain(service: service)]
        if let presence = ClusterPresence(service: service) {
            logger.info(
                "sharing rooms through Redis", metadata: ["redis": "\(configuration.redis!)", "instance": "\(service.cluster!.instanceID)"])
            services.insert(presence, at: 0)
        }
        if let tls = configuration.tls {
            logger.info(
                "TLS on: https:// and wss:// only; SIGHUP reloads the certificate",
                metadata: ["certFile": "\(tls.certificateFile)", "certificate": "\(tls.summary)"])
            services.append(CertificateReload(tls: tls, logger: logger))
        }
        var groupConfiguration = ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // At most 8 s of drain (SignalConfiguration.maximumDrainTimeout) leaves at least 1 s for
        // sockets to answer their close frame (they may take up to SessionSettings.closeHandshakeTimeout;
        // one that has not by the limit is cut off).
        groupConfiguration.maximumGracefulShutdownDuration = gracefulShutdownLimit
        groupConfiguration.maximumCancellationDuration = cancellationAllowance
        try await ServiceGroup(configuration: groupConfiguration).run()
        try await eventLoopGroup.shutdownGracefully()
    }
}
