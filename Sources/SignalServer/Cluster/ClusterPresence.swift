public import ServiceLifecycle
import Signaling

/// An instance's part in the cluster, as a service: connects its ``ClusterDirectory`` to
/// Redis, refreshes its presence every third of `PRESENCE_TTL` (counting the cluster for
/// `/health` and the metrics, and cleaning up after dead instances), and at shutdown, once its
/// sockets have left, takes the instance out of the cluster.
///
/// List it before the application in the `ServiceGroup` (services shut down in reverse
/// order): `SignalApplication.run` does; an app that embeds a ``SignalService`` with
/// `REDIS_URL` adds it the same way.
public struct ClusterPresence: Service, CustomStringConvertible {
    private let service: SignalService
    private let cluster: ClusterDirectory

    /// The presence of `service`'s instance; `nil` when the service has no cluster (`REDIS_URL` unset).
    public init?(service: SignalService) {
        guard let cluster = service.cluster else { return nil }
        self.service = service
        self.cluster = cluster
    }

    /// `ClusterPresence`, as the service group's log lines name it.
    public var description: String { "ClusterPresence" }

    /// Heartbeats until graceful shutdown or cancellation, then leaves the cluster.
    public func run() async throws {
        cluster.start()
        let timeToLive = Duration.seconds(service.configuration.presenceTTL.seconds)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let census = try? await cluster.refreshPresence(timeToLive: timeToLive)
            service.clusterObserved(census)
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: timeToLive / 3) }
        }
        await cluster.leave()
    }
}
