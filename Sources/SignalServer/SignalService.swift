public import Hummingbird
import HummingbirdCore
public import Logging
import NIOCore
import Prometheus
public import Signaling
import Synchronization
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

    let tokenVerifier: TokenVerifier?
    let tokenIssuer: TokenIssuer?
    let sessionSettings: SessionSettings
    private let openSockets = Atomic<Int>(0)
    private let openConnections = Atomic<Int>(0)
    private let refusingUpgrades = Atomic<Bool>(false)
    private let draining = Atomic<Bool>(false)
    private let connectionsAccepted = Atomic<UInt64>(0)

    /// The most connections held at once before WebSocket upgrades are refused with 503 (from
    /// the open-file limit, see ``SocketLimit``). Every accepted connection counts, HTTP or
    /// WebSocket, so the descriptors kept in reserve stay free for HTTP requests.
    public let socketLimit: Int

    /// Creates the service. `directory` holds its rooms: by default an in-process
    /// ``RoomRegistry`` with rooms of `MAX_PEERS_PER_ROOM`.
    public init(configuration: SignalConfiguration, directory: (any PeerDirectory)? = nil, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.metrics = configuration.metrics ? SignalMetrics() : nil
        self.tokenVerifier = configuration.tokenVerifier
        self.tokenIssuer = configuration.tokenIssuerService
        self.sessionSettings = SessionSettings(
            directory: directory ?? RoomRegistry(maximumPeersPerRoom: configuration.maxPeersPerRoom),
            consumerAuthentication: configuration.consumerAuthentication,
            registerTimeout: .seconds(Int64(configuration.registerTimeout.seconds)),
            pingInterval: .seconds(Int64(configuration.pingInterval.seconds)),
            turn: configuration.turnCredentialIssuer)
        self.socketLimit = SocketLimit.forThisProcess()
    }

    /// Open `/signal` sockets, registered or not (`peers` of `/health`).
    public var openSocketCount: Int { openSockets.load(ordering: .relaxed) }

    func socketOpened() { openSockets.add(1, ordering: .relaxed) }

    func socketClosed() {
        if openSockets.subtract(1, ordering: .relaxed).newValue == 0 {
            // glibc keeps freed heap mapped; after everyone has left, give it back.
            MemoryTrim.releaseFreeHeap()
        }
    }

    /// Counts an accepted connection against ``socketLimit``; it holds its place until
    /// ``connectionClosed()``.
    func connectionOpened() { openConnections.add(1, ordering: .relaxed) }

    func connectionClosed() { openConnections.subtract(1, ordering: .relaxed) }

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
    /// draining or at the socket limit), `/public-key`, `/.well-known/jwks.json`, `/token` and (unless
    /// `DEMO_PAGE=false`) `/demo`, `/turn-credentials` when TURN is on, `HEAD` for every `GET` route, and the JSON error shape for
    /// every error, the 404 for unknown routes included.
    public func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        if metrics != nil {
            // Outermost, so it records the status each error became.
            router.add(middleware: MetricsMiddleware<Context>())
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
            let endpoint = TurnCredentialsEndpoint(issuer: turn, tokenVerifier: tokenVerifier)
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
        guard case .enabled(let keys, let adminSecret) = configuration.authentication, let tokenIssuer else { return }
        let publicJWK = keys.jwk.publicJSON
        get("/public-key") { _ in
            JSONResponse.make(.ok) { $0.writeString(publicJWK) }
        }
        get("/.well-known/jwks.json") { _ in
            JSONResponse.make(.ok) { $0.writeString(#"{"keys":[\#(publicJWK)]}"#) }
        }
        let maximumTTL = configuration.maxTokenTTL
        router.post("/token") { request, _ in
            // The secret is checked before the body is read: a caller without it learns nothing.
            guard let presented = AdminCredential.presented(in: request.headers), adminSecret.matches(presented) else {
                self.metrics?.tokenRequestsUnauthorized.increment()
                throw SignalHTTPError(.unauthorized, "Unauthorized")
            }
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: TokenRequest.maximumBodyBytes)
            } catch is NIOTooManyBytesError {
                throw SignalHTTPError(.contentTooLarge, "body must be at most \(TokenRequest.maximumBodyBytes) bytes")
            }
            let tokenRequest: TokenRequest
            do throws(TokenRequestError) {
                tokenRequest = try TokenRequest(body: Array(buffer: body), maximumTTL: maximumTTL)
            } catch {
                throw SignalHTTPError(.badRequest, error.message)
            }
            let issued = tokenIssuer.issue(subject: tokenRequest.subject, timeToLive: tokenRequest.timeToLive)
            self.metrics?.tokensMinted.increment()
            return JSONResponse.make(.created) { body in
                body.writeStaticString(#"{"token":"#)
                body.writeJSONString(issued.token)
                body.writeStaticString(#","expiresAt":"#)
                body.writeJSONString(Timestamp.iso8601(issued.expiresAt))
                body.writeStaticString(#","subject":"#)
                body.writeJSONString(tokenRequest.subject)
                body.writeStaticString("}")
            }
        }
    }

    private func health() -> Response {
        let auth = tokenVerifier == nil ? "disabled" : "enabled"
        return JSONResponse.make(.ok) { body in
            body.writeString(
                #"{"status":"ok","auth":"\#(auth)","peers":\#(openSocketCount),"rooms":\#(directory.roomCount),"ts":"\#(Timestamp.iso8601(Date()))"}"#
            )
        }
    }
}

/// ISO-8601 UTC timestamps with milliseconds, as JavaScript's `Date.toISOString()` writes them.
enum Timestamp {
    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)

    static func iso8601(_ date: Date) -> String { date.formatted(style) }
}
