public import ServiceLifecycle

/// The drain phase of graceful shutdown, as a service to run after the application in the same
/// `ServiceGroup`.
///
/// A `ServiceGroup` shuts its services down in reverse order, one after the other: this one,
/// listed last, is told first. It then marks the ``SignalService`` as draining (`/ready`
/// answers 503, new `/signal` upgrades are refused with a JSON 503, live sockets keep
/// relaying), waits ``SignalConfiguration/drainTimeout`` so a load balancer sees the 503 and
/// stops sending, and returns; only then is the application shut down, which closes every
/// socket 1001 `server shutting down`.
public struct ShutdownDrain: Service, CustomStringConvertible {
    private let service: SignalService

    /// The drain for `service`, timed by its configuration's `drainTimeout`.
    public init(service: SignalService) {
        self.service = service
    }

    /// `ShutdownDrain`, as the service group's log lines name it.
    public var description: String { "ShutdownDrain" }

    /// Waits for graceful shutdown, then drains; returns at once when cancelled.
    public func run() async throws {
        do {
            try await gracefulShutdown()
        } catch {
            return  // cancelled before any shutdown was asked for: nothing to drain
        }
        service.beginDraining()
        // Cut short if the group runs out of shutdown time and cancels.
        try? await Task.sleep(for: service.configuration.drainTimeout)
    }
}
