public import Hummingbird
public import HummingbirdCore
public import Logging
import NIOCore
public import Signaling
import Synchronization
import Foundation

/// The signaling service: its configuration, its rooms, its HTTP routes and its `/signal`
/// sockets.
///
/// The standalone server is this plus a Hummingbird `Application`; to embed signaling in your
/// own Hummingbird app, create one, call ``addRoutes(to:)`` on your router and pass
/// ``serverBuilder`` as the application's `server`.
public final class SignalService: Sendable {
    /// The validated configuration.
    public let configuration: SignalConfiguration
    /// Who is in which room: the directory given at ``init(configuration:directory:logger:)``.
    public var directory: any PeerDirectory { sessionSettings.directory }
    /// The logger for connection and start-up lines.
    public let logger: Logger

    let tokenVerifier: TokenVerifier?
    let tokenIssuer: TokenIssuer?
    let sessionSettings: SessionSettings
    private let openSockets = Atomic<Int>(0)
    private let refusingUpgrades = Atomic<Bool>(false)

    /// The most `/signal` sockets held at once (from the open-file limit, see ``SocketLimit``).
    public let socketLimit: Int

    /// Creates the service. `directory` holds its rooms: by default an in-process
    /// ``RoomRegistry``.
    public init(configuration: SignalConfiguration, directory: any PeerDirectory = RoomRegistry(), logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.tokenVerifier = configuration.tokenVerifier
        self.tokenIssuer = configuration.tokenIssuerService
        self.sessionSettings = SessionSettings(
            directory: directory,
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

    /// Whether new `/signal` upgrades are refused because ``socketLimit`` sockets are open.
    /// Logs one warning each time the server reaches the limit.
    var isAtSocketLimit: Bool {
        let atLimit = openSocketCount >= socketLimit
        if refusingUpgrades.exchange(atLimit, ordering: .relaxed) != atLimit, atLimit {
            logger.warning(
                "refusing new /signal sockets with 503: \(openSocketCount) open, the limit for this process's open files is \(socketLimit)")
        }
        return atLimit
    }

    /// The HTTP server builder that upgrades `GET /signal` to a WebSocket handled by this
    /// service and hands every other request to the router.
    public var serverBuilder: HTTPServerBuilder {
        HTTPServerBuilder { responder in SignalChannel(service: self, responder: responder) }
    }

    /// Adds `/health`, `/signal` for requests that were not upgraded (426, or 503 at the socket
    /// limit), `/public-key`, `/.well-known/jwks.json`, `/token` and (unless
    /// `DEMO_PAGE=false`) `/demo`, and the JSON 404 for everything else.
    public func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.add(middleware: NotFoundMiddleware<Context>())
        router.get("/health") { _, _ in self.health() }
        router.get(RouterPath(SignalChannel.signalPath)) { _, _ in
            // Reached only when the request was not upgraded.
            self.isAtSocketLimit
                ? JSONResponse.error(.serviceUnavailable, "the server holds as many sockets as it can; try again later")
                : JSONResponse.error(.upgradeRequired, "/signal is a WebSocket endpoint: send an Upgrade: websocket request")
        }
        if let turn = sessionSettings.turn {
            let endpoint = TurnCredentialsEndpoint(issuer: turn, tokenVerifier: tokenVerifier)
            router.get("/turn-credentials") { request, _ in endpoint.respond(to: request) }
        }
        if configuration.demoPage {
            router.get("/demo") { _, _ in DemoPage.response() }
        }
        guard case .enabled(let keys, let adminSecret) = configuration.authentication, let tokenIssuer else { return }
        let publicJWK = keys.jwk.publicJSON
        router.get("/public-key") { _, _ in
            JSONResponse.make(.ok) { $0.writeString(publicJWK) }
        }
        router.get("/.well-known/jwks.json") { _, _ in
            JSONResponse.make(.ok) { $0.writeString(#"{"keys":[\#(publicJWK)]}"#) }
        }
        let maximumTTL = configuration.maxTokenTTL
        router.post("/token") { request, _ in
            // The secret is checked before the body is read: a caller without it learns nothing.
            guard let presented = AdminCredential.presented(in: request.headers), adminSecret.matches(presented) else {
                return JSONResponse.error(.unauthorized, "Unauthorized")
            }
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: TokenRequest.maximumBodyBytes)
            } catch is NIOTooManyBytesError {
                // Hummingbird's own 413 has no body; answer in the JSON error shape like every other error.
                return JSONResponse.error(.contentTooLarge, "body must be at most \(TokenRequest.maximumBodyBytes) bytes")
            }
            let tokenRequest: TokenRequest
            do throws(TokenRequestError) {
                tokenRequest = try TokenRequest(body: Array(buffer: body), maximumTTL: maximumTTL)
            } catch {
                return JSONResponse.error(.badRequest, error.message)
            }
            let issued = tokenIssuer.issue(subject: tokenRequest.subject, timeToLive: tokenRequest.timeToLive)
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
