import Metrics
import NIOCore
public import Prometheus
import Signaling
import NIOConcurrencyHelpers
import Synchronization

/// The server's Prometheus metrics (README § Operating it), in a registry of its own: several
/// services in one process (tests, an embedding app) each keep and serve their own.
///
/// Events that come once per message (relayed messages, error frames) are counted in plain
/// fields of an ``EventLoopMetrics`` per event loop, which only that loop touches, and added to
/// the registry when `/metrics` is scraped: the relay path takes no lock and allocates nothing
/// for them. Rarer events (a socket closing, a token minted) go to the registry directly.
public final class SignalMetrics: Sendable {
    /// The registry `GET /metrics` renders.
    public let registry: PrometheusCollectorRegistry
    /// A swift-metrics factory that writes into ``registry``; Hummingbird's `MetricsMiddleware`
    /// names (`hb.requests`, `http.server.request.duration`, …) come out as `signal_http_…`.
    /// `SignalApplication.run` bootstraps the process's `MetricsSystem` with it.
    public let factory: PrometheusMetricsFactory

    /// Every relayed message in 1 of this many is timed for `signal_relay_duration_seconds`.
    static let relayTimingInterval = 16

    let tokensMinted: Prometheus.Counter
    let tokenRequestsUnauthorized: Prometheus.Counter
    let tokenVerifyDuration: DurationHistogram
    let relayDuration: DurationHistogram
    private let openSockets: Prometheus.Gauge
    private let rooms: Prometheus.Gauge
    private let registeredNormalPeers: Prometheus.Gauge
    private let registeredConsumers: Prometheus.Gauge
    private let relayedOffers: Prometheus.Counter
    private let relayedAnswers: Prometheus.Counter
    private let relayedIceCandidates: Prometheus.Counter
    private let badMessageFrames: Prometheus.Counter
    private let peerNotFoundFrames: Prometheus.Counter
    private let notRegisteredFrames: Prometheus.Counter
    private let rateLimitedFrames: Prometheus.Counter
    private let unavailableFrames: Prometheus.Counter
    private let redisConnected: Prometheus.Gauge
    private let clusterInstances: Prometheus.Gauge
    private let clusterPeers: Prometheus.Gauge
    private let eventLoops = NIOLockedValueBox<[ObjectIdentifier: EventLoopMetrics]>([:])

    private static var registeredPeers: MetricNameDescriptor {
        descriptor("registered_peers", help: "Sockets registered and still open, by role.")
    }
    private static var socketsClosed: MetricNameDescriptor {
        descriptor("sockets_closed", unit: "total", help: "Sockets closed, by close code (other: a client's code outside the server's own).")
    }
    private static var admissionsRefused: MetricNameDescriptor {
        descriptor("admissions_refused", unit: "total", help: "Sockets refused admission, by reason.")
    }

    /// `signal_<name>_<unit>`, with its help text.
    private static func descriptor(_ name: String, unit: String = "", help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "signal", metricName: name, unitName: unit, helpText: help)
    }

    /// Metrics kept in `registry`.
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.nameAndLabelSanitizer = HTTPMetricNames.rename
        self.factory = factory
        openSockets = registry.makeGauge(descriptor: Self.descriptor("open_sockets", help: "Open /signal sockets, registered or not."))
        rooms = registry.makeGauge(descriptor: Self.descriptor("rooms", help: "Rooms with at least one socket."))
        registeredNormalPeers = registry.makeGauge(descriptor: Self.registeredPeers, labels: [("role", PeerRole.normal.rawValue)])
        registeredConsumers = registry.makeGauge(descriptor: Self.registeredPeers, labels: [("role", PeerRole.consumer.rawValue)])
        let relayed = Self.descriptor("relayed_messages", unit: "total", help: "Messages relayed to another socket, by type.")
        relayedOffers = registry.makeCounter(descriptor: relayed, labels: [("type", RelayEnvelope.Kind.offer.rawValue)])
        relayedAnswers = registry.makeCounter(descriptor: relayed, labels: [("type", RelayEnvelope.Kind.answer.rawValue)])
        relayedIceCandidates = registry.makeCounter(descriptor: relayed, labels: [("type", RelayEnvelope.Kind.iceCandidate.rawValue)])
        let errorFrames = Self.descriptor("error_frames", unit: "total", help: "error frames sent to clients, by code.")
        badMessageFrames = registry.makeCounter(descriptor: errorFrames, labels: [("code", SignalErrorCode.badMessage.rawValue)])
        peerNotFoundFrames = registry.makeCounter(descriptor: errorFrames, labels: [("code", SignalErrorCode.peerNotFound.rawValue)])
        notRegisteredFrames = registry.makeCounter(descriptor: errorFrames, labels: [("code", SignalErrorCode.notRegistered.rawValue)])
        rateLimitedFrames = registry.makeCounter(descriptor: errorFrames, labels: [("code", SignalErrorCode.rateLimited.rawValue)])
        unavailableFrames = registry.makeCounter(descriptor: errorFrames, labels: [("code", SignalErrorCode.unavailable.rawValue)])
        redisConnected = registry.makeGauge(
            descriptor: Self.descriptor("redis_connected", help: "With REDIS_URL: 1 while both Redis connections are up, else 0."))
        clusterInstances = registry.makeGauge(
            descriptor: Self.descriptor("cluster_instances", help: "With REDIS_URL: live instances sharing the rooms, at the last heartbeat."))
        clusterPeers = registry.makeGauge(
            descriptor: Self.descriptor("cluster_peers", help: "With REDIS_URL: sockets in rooms over every live instance, at the last heartbeat."))
        tokensMinted = registry.makeCounter(descriptor: Self.descriptor("tokens_minted", unit: "total", help: "Room tokens issued by POST /token."))
        tokenRequestsUnauthorized = registry.makeCounter(
            descriptor: Self.descriptor(
                "token_requests_unauthorized", unit: "total", help: "POST /token and POST /revoke requests answered 401 (no or a wrong admin secret)."))
        tokenVerifyDuration = registry.makeDurationHistogram(
            descriptor: Self.descriptor(
                "token_verify_duration", unit: "seconds", help: "Time to verify a /signal room token (Ed25519 and claims) during the upgrade."),
            buckets: [
                .microseconds(25), .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
                .milliseconds(5),
            ])
        relayDuration = registry.makeDurationHistogram(
            descriptor: Self.descriptor(
                "relay_duration", unit: "seconds",
                help: "Time from a relayed message's arrival to its hand-off to the target socket; "
                    + "1 message in \(Self.relayTimingInterval) is timed."),
            buckets: [
                .microseconds(5), .microseconds(10), .microseconds(25), .microseconds(50), .microseconds(100), .microseconds(250),
                .milliseconds(1), .milliseconds(10),
            ])
    }

    /// Makes ``factory`` the process's swift-metrics backend, so that what records through
    /// `MetricsSystem` (Hummingbird's `MetricsMiddleware`: `signal_http_…`) lands in
    /// ``registry``. Once per process; later calls do nothing. Only for a service that owns
    /// its process: an app that embeds the service and has its own backend leaves this alone.
    public func bootstrapMetricsSystem() {
        guard !Self.metricsSystemBootstrapped.exchange(true, ordering: .relaxed) else { return }
        MetricsSystem.bootstrap(factory)
    }

    private static let metricsSystemBootstrapped = Atomic<Bool>(false)

    /// The per-message counters of `eventLoop`, made on first use. Called once per socket.
    func eventLoopMetrics(for eventLoop: any EventLoop) -> EventLoopMetrics {
        eventLoops.withLockedValue { loops in
            if let existing = loops[ObjectIdentifier(eventLoop)] { return existing }
            let created = EventLoopMetrics(eventLoop: eventLoop, relayDuration: relayDuration)
            loops[ObjectIdentifier(eventLoop)] = created
            return created
        }
    }

    /// A socket closed with `code`; a code that refused its admission counts as such too.
    func socketClosed(_ code: CloseCode) {
        registry.makeCounter(descriptor: Self.socketsClosed, labels: [("code", code.metricLabel)]).increment()
        if let reason = code.admissionRefusalReason { admissionRefused(reason) }
    }

    /// The `signal_http_requests_total` (and, from 400 on, `signal_http_request_errors_total`)
    /// series of a request answered in the connection's pipeline (``TokenMintingHandler``), which
    /// Hummingbird's `MetricsMiddleware` never sees. The handler keeps them, so the registry is
    /// looked up once per connection and status, not per request.
    func pipelineRequestCounters(route: String, method: String, status: Int) -> PipelineRequestCounters {
        let labels = [("route", route), ("method", method), ("status", String(status))]
        // No help text: the series are the ones `MetricsMiddleware` creates, which have none.
        func counter(_ name: String) -> Prometheus.Counter {
            registry.makeCounter(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: ""), labels: labels)
        }
        return PipelineRequestCounters(
            requests: counter("signal_http_requests_total"), errors: status >= 400 ? counter("signal_http_request_errors_total") : nil)
    }

    /// The counters one answered status moves (``pipelineRequestCounters(route:method:status:)``).
    struct PipelineRequestCounters {
        let requests: Prometheus.Counter
        let errors: Prometheus.Counter?

        func increment() {
            requests.increment()
            errors?.increment()
        }
    }

    /// A socket or an upgrade was refused admission for `reason`.
    func admissionRefused(_ reason: String) {
        registry.makeCounter(descriptor: Self.admissionsRefused, labels: [("reason", reason)]).increment()
    }

    /// A socket registered with `role` (`by: 1`), or one that had closed (`by: -1`).
    func registeredPeers(_ role: PeerRole, change: Double) {
        (role == .normal ? registeredNormalPeers : registeredConsumers).increment(by: change)
    }

    /// What the last heartbeat of a ``ClusterDirectory`` saw: whether Redis is reachable, and
    /// the instances and sockets of the cluster.
    func clusterObserved(linked: Bool, census: ClusterDirectory.Census?) {
        redisConnected.set(Int64(linked ? 1 : 0))
        if let census {
            clusterInstances.set(Int64(census.instances))
            clusterPeers.set(Int64(census.peers))
        }
    }

    /// The Prometheus text (format 0.0.4) after adding every event loop's counts and setting
    /// the gauges read from the service.
    func render(openSockets: Int, rooms: Int) async -> [UInt8] {
        for loop in eventLoops.withLockedValue({ Array($0.values) }) {
            // A loop that has shut down has no sockets left to count.
            guard let counts = try? await loop.eventLoop.submit({ loop.takeCounts() }).get() else { continue }
            relayedOffers.increment(by: Int64(counts.offers))
            relayedAnswers.increment(by: Int64(counts.answers))
            relayedIceCandidates.increment(by: Int64(counts.iceCandidates))
            badMessageFrames.increment(by: Int64(counts.badMessages))
            peerNotFoundFrames.increment(by: Int64(counts.peersNotFound))
            notRegisteredFrames.increment(by: Int64(counts.notRegistered))
            rateLimitedFrames.increment(by: Int64(counts.rateLimited))
            unavailableFrames.increment(by: Int64(counts.unavailable))
        }
        self.openSockets.set(Int64(openSockets))
        self.rooms.set(Int64(rooms))
        return registry.emitToBuffer()
    }
}
