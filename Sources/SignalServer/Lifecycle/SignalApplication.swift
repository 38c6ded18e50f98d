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
        let router = Router()
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

    /// Runs the server until SIGTERM or SIGINT, then closes every socket with 1001 and returns
    /// within ten seconds. `onListening` receives the bound port once the server accepts.
    public static func run(
        configuration: SignalConfiguration, logger: Logger, onListening: @escaping @Sendable (Int) -> Void = { _ in }
    ) async throws {
        let loops = configuration.eventLoopCount ?? EventLoopCount.forThisProcess()
        let eventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: loops)
        let service = SignalService(configuration: configuration, logger: logger)
        let application = make(service: service, eventLoopGroup: eventLoopGroup) { channel in
            onListening(channel.localAddress?.port ?? configuration.port)
        }
        var groupConfiguration = ServiceGroupConfiguration(
            services: [application], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // Sockets get SessionSettings.closeHandshakeTimeout (5 s) to answer their close frame.
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(8)
        groupConfiguration.maximumCancellationDuration = .seconds(1)
        try await ServiceGroup(configuration: groupConfiguration).run()
        try await eventLoopGroup.shutdownGracefully()
    }
}
