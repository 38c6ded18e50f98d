public import Hummingbird
import HTTPTypes
import HummingbirdCore
public import Logging
public import NIOCore
import Prometheus
public import Signaling
import Synchronization
import NIOConcurrencyHelpers
public import NIOPosix
import Foundation

/// The signaling service: its configuration, its rooms, its HTTP routes and its `/signal`
/// sockets.
///
/// The standalone server is this plus a Hummingbird `Application`; to embed signaling in your
/// own Hummingbird app, create one, call ``addRoutes(to:)`` on your router and pass
/// `.signal(service:shouldUpgrade:)` as the application's `server` (it keeps your own
/// WebSocket paths next to `/signal`).
public final class SignalService: Sendable {
    /// The validated configuration.
    public let configuration: SignalConfiguration
    /// Who is in which room: the directory given at ``init(configuration:directory:logger:)``.
    public var directory: any PeerDirectory { sessionSettings.directory }
    /// The logger for connection and start-up lines.
    public let logger: Logger
    /// The service's Prometheus metrics, served at `GET /metrics`; `nil` with `METRICS=false`.
    public let metrics: SignalMetrics?
    /// The directory shared with other instances through `REDIS_URL`, when it is set and no
    /// other directory was given; its ``ClusterPresence`` must run for it to connect.
    public let cluster: ClusterDirectory?
    /// What the last heartbeat of ``cluster`` counted.
    private let clusterCensus = NIOLockedValueBox<ClusterDirectory.Census?>(nil)

    let tokenVerifier: TokenVerifier?
    /// `POST /token`, when authentication is on.
    let tokenEndpoint: TokenEndpoint?
    let sessionSettings: SessionSettings
    /// `TRUST_PROXY`.
    let trustedProxies: TrustedProxies
    /// Open connections per client address (`MAX_CONNECTIONS_PER_IP`).
    let connectionsPerAddress = ConnectionsPerAddress()
    /// Places for sockets admitted without a token; `nil` when auth is off (every socket is authorized).
    let tokenlessBudget: TokenlessBudget?
    private let openSockets = Atomic<Int>(0)
    private let openConnections = Atomic<Int>(0)
    private let refusingUpgrades = Atomic<Bool>(false)
    private let draining = Atomic<Bool>(false)
    private let connectionsAccepted = Atomic<UInt64>(0)

    /// The most connections held at once before WebSocket upgrades are refused with 503 (from
    /// the open-file limit, see ``SocketLimit``). Every accepted connection counts, HTTP or
    /// WebSocket, so the descriptors kept in reserve stay free for HTTP requests.
    public let socketLimit: Int

    /// Creates the service. `directory` holds its rooms: by default a ``ClusterDirectory`` on
    /// `REDIS_URL` when that is set (its connections on a loop of `eventLoopGroup`), else an
    /// in-process ``RoomRegistry``, with rooms of `MAX_PEERS_PER_ROOM`.
    public init(
        configuration: SignalConfiguration, directory: (any PeerDirectory)? = nil,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger
    ) {
        self.configuration = configuration
        self.logger = logger
        let metrics = configuration.metrics ? SignalMetrics() : nil
        self.metrics = metrics
        self.tokenVerifier = configuration.tokenVerifier
        if case .enabled(_, let adminSecret) = configuration.authentication, let issuer = configuration.tokenIssuerService {
            self.tokenEndpoint = TokenEndpoint(
                issuer: issuer, adminSecret: adminSecret, maximumTTL: configuration.maxTokenTTL,
                requestRate: RateLimitTable(rate: configuration.tokenRate), failureRate: RateLimitTable(rate: configuration.adminFailureRate),
                metrics: metrics)
        } else {
            self.tokenEndpoint = nil
        }
        let revocations = RevocationList(maximumTokenLifetime: TimeInterval(configuration.maxTokenTTL.seconds))
        if directory == nil, let redis = configuration.redis {
            self.cluster = ClusterDirectory(
                endpoint: redis, instanceID: configuration.instanceID ?? Self.randomInstanceID(),
                maximumPeersPerRoom: configuration.maxPeersPerRoom, revocations: revocations, eventLoop: eventLoopGroup.next(),
                logger: logger)
        } else {
            self.cluster = nil
        }
        self.sessionSettings = SessionSettings(
            directory: directory ?? cluster ?? RoomRegistry(maximumPeersPerRoom: configuration.maxPeersPerRoom),
            consumerAuthentication: configuration.consumerAuthentication,
            registerTimeout: .seconds(Int64(configuration.registerTimeout.seconds)),
            tokenlessRegisterTimeout: .seconds(Int64(configuration.tokenlessRegisterTimeout.seconds)),
            messageRate: configuration.messageRate,
            pingInterval: .seconds(Int64(configuration.pingInterval.seconds)),
            turn: configuration.turnCredentialIssuer,
            revocations: revocations,
            closeOnTokenExpiry: configuration.closeOnTokenExpiry)
        let socketLimit = SocketLimit.forThisProcess()
        self.socketLimit = socketLimit
        self.trustedProxies = TrustedProxies(configuration.trustProxy ?? [])
        self.tokenlessBudget =
            configuration.tokenVerifier == nil
            ? nil
            : TokenlessBudget(
                capacity: min(configuration.maxTokenlessSockets, max(1, socketLimit / 4)),
                perAddressCapacity: configuration.maxTokenlessSocketsPerIP)
    }

    /// An `INSTANCE_ID` for an instance started without one: 12 hex digits.
    private static func randomInstanceID() -> String {
        String(UInt64.random(in: 0..<(1 << 48)), radix: 16)
    }

    /// Records what a heartbeat of ``cluster`` counted (`nil`: it could not reach Redis).
    func clusterObserved(_ census: ClusterDirectory.Census?) {
        if let census { clusterCensus.withLockedValue { $0 = census } }
        metrics?.clusterObserved(linked: cluster?.isLinked ?? false, census: census)
    }

    /// The 503 of `/ready` while this instance cannot reach the Redis it shares rooms through.
    static let redisUnreachableError = SignalHTTPError(.serviceUnavailable, "this instance cannot reach Redis")

    /// Open `/signal` sockets, registered or not (`peers` of `/health`).
    public var openSocketCount: Int { openSockets.load(ordering: .relaxed) }

    func socketOpened() { openSockets.add(1, ordering: .relaxed) }

    func socketClosed() {
        if openSockets.subtract(1, ordering: .relaxed).newValue == 0 {
            // glibc keeps freed heap mapped; after everyone has left, give it back.
            MemoryTrim.releaseFreeHeap()
        }
    }

    /// Counts an accepted connection against ``socketLimit`` and, under the peer's `address`,
    /// against `MAX_CONNECTIONS_PER_IP`; it holds its place until ``connectionClosed(from:)``.
    func connectionOpened(from address: IPAddress?) {
        openConnections.add(1, ordering: .relaxed)
        if let address { connectionsPerAddress.add(address) }
    }

    func connectionClosed(from address: IPAddress?) {
        openConnections.subtract(1, ordering: .relaxed)
        if let address { connectionsPerAddress.remove(address) }
    }

    /// A short id for a newly accepted connection, for the `conn` metadata of its log lines:
    /// the count of connections accepted so far, in base 36 (short enough to stay inline in a
    /// `String`, so it costs no allocation).
    func newConnectionID() -> String {
        String(connectionsAccepted.add(1, ordering: .relaxed).newValue, radix: 36)
    }

    /// Whether the server is shutting down: `/ready` answers 503 and new WebSocket upgrades are
    /// refused, while live sockets and plain HTTP requests are still served.
    public var isDraining: Bool { draining.load(ordering: .relaxed) }

    /// Starts draining (see ``isDraining``); there is no way back, a draining server only stops.
    public func beginDraining() {
        if !draining.exchange(true, ordering: .relaxed) {
            logger.notice("draining: /ready answers 503 and new /signal sockets are refused")
        }
    }

    /// Why a WebSocket upgrade asked for now must be refused, if it must: the server is draining,
    /// or at its socket limit.
    var upgradeRefusal: SignalHTTPError? {
        if isDraining { return Self.drainingError }
        return isAtSocketLimit ? Self.socketLimitError : nil
    }

    /// Whether a connection asking to upgrade must be refused because more than ``socketLimit``
    /// connections are open. Each connection was counted, atomically, when it was accepted and
    /// before it could ask, so concurrent upgrades can never take more than the limit between
    /// them. Logs one warning each time the server reaches the limit.
    var isAtSocketLimit: Bool {
        let open = openConnections.load(ordering: .relaxed)
        let atLimit = open > socketLimit
        if refusingUpgrades.exchange(atLimit, ordering: .relaxed) != atLimit, atLimit {
            logger.warning(
                "refusing new /signal sockets with 503: \(open) connections open, the limit for this process's open files is \(socketLimit)")
        }
        return atLimit
    }

    /// The 429 for an upgrade from an address that holds `MAX_CONNECTIONS_PER_IP` connections.
    static let addressLimitError = SignalHTTPError(
        .tooManyRequests, "too many connections from this address; close some and try again")

    /// The 503 for an upgrade without a token when `MAX_TOKENLESS_SOCKETS` are open.
    static let tokenlessLimitError = SignalHTTPError(
        .serviceUnavailable, "the server holds as many sockets without a token as it takes; try again later")

    /// The 429 for an upgrade without a token from an address that holds `MAX_TOKENLESS_PER_IP`.
    static let tokenlessAddressLimitError = SignalHTTPError(
        .tooManyRequests, "too many sockets without a token from this address; try again later")

    /// The 403 for an upgrade from a page whose origin `ALLOWED_ORIGINS` does not list.
    static let originError = SignalHTTPError(.forbidden, "this origin may not open /signal")

    /// Whether a page of `origin` may open `/signal`: any may when `ALLOWED_ORIGINS` is unset,
    /// and a request without `Origin` (not from a browser page, which always sends one) always may.
    func allowsOrigin(_ origin: String?) -> Bool {
        guard let origin, let allowed = configuration.allowedOrigins else { return true }
        return allowed.contains(origin)
    }

    /// The 503 for an upgrade refused at the socket limit.
    static let socketLimitError = SignalHTTPError(
        .serviceUnavailable, "the server holds as many sockets as it can; try again later")

    /// The 503 of `/ready` and of upgrades while the server drains.
    static let drainingError = SignalHTTPError(.serviceUnavailable, "the server is shutting down")

    /// How a `/signal` request is admitted (``Admission/decide(_:verifier:now:)``); the time a
    /// token takes to verify goes to `signal_token_verify_duration_seconds`.
    func admission(for request: Admission.Request) -> Admission {
        guard let metrics, tokenVerifier != nil, let token = request.token, !token.isEmpty else {
            return Admission.decide(request, verifier: tokenVerifier)
        }
        let start = ContinuousClock.now
        let admission = Admission.decide(request, verifier: tokenVerifier)
        metrics.tokenVerifyDuration.record(ContinuousClock.now - start)
        return admission
    }

    /// Adds `/health`, `/ready`, `/openapi.yaml`, `/metrics` (unless `METRICS=false`, with Hummingbird's
    /// `MetricsMiddleware` for every request), `/signal` for requests that were not upgraded (426, or 503 while
    /// draining or at the socket limit), `/public-key`, `/.well-known/jwks.json`, `/token`, `/revoke` and (unless
    /// `DEMO_PAGE=false`) `/demo`, `/turn-credentials` when TURN is on, `HEAD` for every `GET` route, the CORS headers of
    /// `ALLOWED_ORIGINS`, and the JSON error shape for every error, the 404 for unknown routes included.
    public func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        if metrics != nil {
            // Outermost, so it records the status each error became.
            router.add(middleware: MetricsMiddleware<Context>())
        }
        if let origins = configuration.allowedOrigins {
            // Outside the error middleware, so that error responses carry the CORS headers too.
            router.add(middleware: AllowedOriginsMiddleware<Context>(origins: origins))
        }
        router.add(middleware: JSONErrorMiddleware<Context>())
        /// A `GET` route and its `HEAD` twin: the same answer without the body.
        func get(_ path: RouterPath, _ respond: @escaping @Sendable (Request) throws -> Response) {
            router.get(path) { request, _ in try respond(request) }
            router.head(path) { request, _ in try respond(request).createHeadResponse() }
        }
        get("/health") { _ in self.health() }
        get("/ready") { _ in
            guard !self.isDraining else { throw Self.drainingError }
            if let cluster = self.cluster, !cluster.isLinked { throw Self.redisUnreachableError }
            return JSONResponse.make(.ok) { $0.writeStaticString(#"{"status":"ready"}"#) }
        }
        get("/openapi.yaml") { _ in OpenAPIDocument.response() }
        get(RouterPath(SignalChannel.signalPath)) { _ in
            // Reached only when the request was not upgraded.
            (self.upgradeRefusal
                ?? SignalHTTPError(
                    .upgradeRequired, "/signal is a WebSocket endpoint: send an Upgrade: websocket request",
                    headers: [.secWebSocketVersion: "13"])).response
        }
        if let turn = sessionSettings.turn {
            let endpoint = TurnCredentialsEndpoint(issuer: turn, tokenVerifier: tokenVerifier, revocations: sessionSettings.revocations)
            get("/turn-credentials") { request in try endpoint.respond(to: request) }
        }
        if configuration.demoPage {
            get("/demo") { _ in DemoPage.response() }
        }
        if let metrics {
            let endpoint = MetricsEndpoint(service: self, metrics: metrics, token: configuration.metricsToken.map(AdminSecret.init))
            router.get("/metrics") { request, _ in try await endpoint.respond(to: request) }
            router.head("/metrics") { request, _ in try await endpoint.respond(to: request).createHeadResponse() }
        }
        guard case .enabled(let keys, _) = configuration.authentication else { return }
        let publicJWK = keys.jwk.publicJSON
        get("/public-key") { _ in
            JSONResponse.make(.ok) { $0.writeString(publicJWK) }
        }
        get("/.well-known/jwks.json") { _ in
            JSONResponse.make(.ok) { $0.writeString(#"{"keys":[\#(publicJWK)]}"#) }
        }
        guard let tokenEndpoint else { return }
        router.post(RouterPath(TokenEndpoint.path)) { request, context in
            let body = try await self.adminBody(of: request, context: context, checkedBy: tokenEndpoint)
            let minted = try tokenEndpoint.mint(body: body)
            return JSONResponse.make(.created) { $0.writeImmutableBuffer(minted) }
        }
        router.post("/revoke") { request, context in
            let body = try await self.adminBody(of: request, context: context, checkedBy: tokenEndpoint)
            let revocation: RevocationList.Revocation
            do throws(RevocationRequestError) {
                revocation = try RevocationRequest.revocation(parsing: Array(body.readableBytesView))
            } catch {
                throw SignalHTTPError(.badRequest, error.message)
            }
            let holders: [any PeerConnection]
            do throws(RevocationList.Full) {
                holders = try self.sessionSettings.revocations.revoke(revocation)
            } catch {
                throw SignalHTTPError(
                    .serviceUnavailable,
                    "the server keeps at most \(error.capacity) revocations; revoke by subject, or retry when older ones have expired")
            }
            for holder in holders { holder.close(.tokenRevoked) }
            self.cluster?.publishRevocation(revocation)
            self.logger.notice("room tokens revoked", metadata: ["closed": "\(holders.count)"])
            return JSONResponse.make(.ok) { $0.writeString(#"{"revoked":true,"closed":\#(holders.count)}"#) }
        }
    }

    /// The body of an admin request (`POST /token`, `POST /revoke`), read only once the client
    /// address is within its rates and the admin secret checks out: a caller without it learns
    /// nothing about the body's rules.
    private func adminBody(of request: Request, context: some RequestContext, checkedBy endpoint: TokenEndpoint) async throws -> ByteBuffer {
        let peer = (context as? any RemoteAddressRequestContext)?.remoteAddress
        let client = trustedProxies.client(peer: peer, headers: request.headers)
        try endpoint.authorize(presented: AdminCredential.presented(in: request.headers), from: client)
        do {
            return try await request.body.collect(upTo: TokenRequest.maximumBodyBytes)
        } catch is NIOTooManyBytesError {
            throw TokenEndpoint.bodyTooLarge
        }
    }

    private func health() -> Response {
        let auth = tokenVerifier == nil ? "disabled" : "enabled"
        var clusterField = ""
        if let cluster {
            let census = clusterCensus.withLockedValue { $0 } ?? ClusterDirectory.Census(instances: 0, peers: 0)
            let redis = cluster.isLinked ? "connected" : "disconnected"
            clusterField =
                #","cluster":{"instance":"\#(cluster.instanceID)","instances":\#(census.instances),"peers":\#(census.peers),"redis":"\#(redis)"}"#
        }
        return JSONResponse.make(.ok) { body in
            body.writeString(
                #"{"status":"ok","auth":"\#(auth)","peers":\#(openSocketCount),"rooms":\#(directory.roomCount)\#(clusterField),"ts":"\#(Timestamp.iso8601(Date()))"}"#
            )
        }
    }
}
